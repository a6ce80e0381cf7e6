{
  id: .sys_id,
  type: .sys_class_name,
  name: .name,
  layer: ($vars.layers[.sys_class_name] // "Uncategorized"),
  domain: $vars.domain,
  environment: ($vars.environments[.environment] // $vars.environment),
  labels: [
    "servicenow-class:\(.sys_class_name)",
    "operational-status:\($vars.operational_status[.operational_status] // "unknown")",
    "install-status:\($vars.install_status[.install_status] // "unknown")"
  ],
  identifiers: ["urn:host:/\(.fqdn)", .sys_id],
  description: .short_description,
  data: {
    fqdn: .fqdn,
    ip_address: .ip_address,
    os: .os,
    os_version: .os_version,
    location: .location,
    company: .company,
    manufacturer: .manufacturer,
    serial_number: .serial_number,
    sys_updated_on: .sys_updated_on
  }
}
