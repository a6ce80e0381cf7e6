-- mappings/sql-cmdb/data.sql — the demo CMDB's rows, for PostgreSQL and
-- MariaDB/MySQL alike (plain INSERTs: TRUE/FALSE load into boolean and
-- TINYINT(1), JSON text into jsonb and JSON, text into bytea and BLOB).
-- Load it in the same session as the schema file, which sets the time zone
-- to UTC: timestamps here are UTC.
--
-- 3 locations, 6 servers, 4 network devices, 4 applications, 3 databases,
-- 21 relations (one points at SRV-0099, a server that was retired and
-- deleted). batch-01 (SRV-0006) has NULL in every column that allows it.
-- app-01's purchase_cost, 12345678901234567.89, has more digits than a
-- float64 holds. power_watts values are exact in a 4-byte float.

INSERT INTO locations (ci_id, name, site_code, city, country, latitude, longitude) VALUES
('LOC-AMS', 'Amsterdam DC1', 'ams1', 'Amsterdam', 'NL', 52.3676, 4.9041),
('LOC-FRA', 'Frankfurt DC2', 'fra2', 'Frankfurt', 'DE', 50.1109, 8.6821),
('LOC-LON', 'London Office', 'lon-hq', 'London', 'GB', 51.5072, -0.1276);

INSERT INTO servers (ci_id, hostname, location_id, ip_address, os, cpu_count, memory_mb, disk_bytes,
                     purchase_cost, cpu_load, power_watts, is_virtual, status, asset_tag,
                     commissioned_on, last_seen, backup_window, attributes, notes) VALUES
('SRV-0001', 'web-01', 'LOC-AMS', '10.0.1.11', 'Ubuntu 22.04', 8, 16384, 536870912000,
 4999.50, 0.42, 350.5, FALSE, 'operational', 'AT-0001-AMS',
 '2021-03-15', '2025-11-03 08:15:30', '02:30:00', '{"rack": "A01", "u": 12, "tags": ["pci", "dmz"]}', 'front of the webshop'),
('SRV-0002', 'web-02', 'LOC-AMS', '10.0.1.12', 'Ubuntu 22.04', 8, 16384, 536870912000,
 4999.50, 0.87, 412.25, TRUE, 'degraded', 'AT-0002-AMS',
 '2021-03-15', '2025-11-03 08:15:31', '02:45:00', '{"rack": "A01", "u": 14, "tags": ["pci", "dmz"]}', NULL),
('SRV-0003', 'app-01', 'LOC-AMS', '10.0.2.21', 'Red Hat Enterprise Linux 9', 16, 65536, 1099511627776,
 12345678901234567.89, 0.15, 180, TRUE, 'operational', 'AT-0003-AMS',
 '2022-06-01', '2025-11-03 08:16:00', '03:00:00', '{"rack": "B07", "u": 3, "tags": ["payments"], "warranty": {"until": "2027-06-01", "vendor": "Dell"}}', 'cost booked in ZWL by mistake'),
('SRV-0004', 'db-01', 'LOC-FRA', '10.1.3.31', 'Debian 12', 32, 262144, 4398046511104,
 28750.00, 0.63, 95.75, FALSE, 'maintenance', 'AT-0004-FRA',
 '2020-11-30', '2025-11-02 23:59:59', '01:00:00', '{"rack": "F12", "u": 40, "tags": []}', 'disk firmware update'),
('SRV-0005', 'db-02', 'LOC-FRA', '10.1.3.32', 'Debian 12', 32, 262144, 4398046511104,
 28750.00, 0.91, 640.125, FALSE, 'down', 'AT-0005-FRA',
 '2020-11-30', '2025-10-31 17:42:05', '01:30:00', '{"rack": "F12", "u": 38, "tags": ["replica"]}', NULL),
('SRV-0006', 'batch-01', NULL, NULL, NULL, NULL, NULL, NULL,
 NULL, NULL, NULL, NULL, NULL, NULL,
 NULL, NULL, NULL, NULL, NULL);

INSERT INTO network_devices (ci_id, hostname, device_type, vendor, model, location_id, port_count, mgmt_ip, firmware) VALUES
('NET-0001', 'sw-ams-core-01', 'switch', 'Arista', '7050X3', 'LOC-AMS', 48, '10.0.0.2', '4.28.3M'),
('NET-0002', 'fw-ams-01', 'firewall', 'Palo Alto Networks', 'PA-3220', 'LOC-AMS', 12, '10.0.0.3', '10.2.4'),
('NET-0003', 'rtr-fra-01', 'router', 'Juniper', 'MX204', 'LOC-FRA', 8, '10.1.0.1', '22.4R2'),
('NET-0004', 'sw-lon-01', 'switch', 'Cisco', 'C9300-24T', 'LOC-LON', 24, '10.2.0.2', NULL);

INSERT INTO applications (ci_id, name, version, owner, environment, criticality, url, monthly_users, sla_target) VALUES
('APP-0001', 'Webshop', '3.4.1', 'team-shop', 'Production', 1, 'https://shop.example.com', 250000, 99.950),
('APP-0002', 'Checkout API', '2.0.0', 'team-payments', 'Production', 1, NULL, 120000, 99.990),
('APP-0003', 'Inventory Batch', '1.12.0', 'team-logistics', 'Production', 3, NULL, 0, 99.000),
('APP-0004', 'Webshop Staging', '3.5.0-rc1', 'team-shop', 'Staging', 4, 'https://staging.shop.example.com', 40, 95.500);

INSERT INTO database_instances (ci_id, name, engine, engine_version, size_bytes, max_connections, replicated) VALUES
('DB-0001', 'shop-db', 'PostgreSQL', '15.4', 128849018880, 500, TRUE),
('DB-0002', 'orders-db', 'MariaDB', '10.11.6', 53687091200, 300, FALSE),
('DB-0003', 'reporting-db', 'PostgreSQL', '14.9', 2199023255552, 100, FALSE);

INSERT INTO ci_relations (id, parent_id, child_id, type) VALUES
(1, 'APP-0001', 'SRV-0001', 'runs_on'),
(2, 'APP-0001', 'SRV-0002', 'runs_on'),
(3, 'APP-0002', 'SRV-0003', 'runs_on'),
(4, 'APP-0003', 'SRV-0006', 'runs_on'),
(5, 'APP-0004', 'SRV-0002', 'runs_on'),
(6, 'APP-0001', 'APP-0002', 'depends_on'),
(7, 'APP-0001', 'DB-0001', 'uses'),
(8, 'APP-0002', 'DB-0002', 'uses'),
(9, 'APP-0003', 'DB-0002', 'uses'),
(10, 'APP-0003', 'DB-0003', 'uses'),
(11, 'DB-0001', 'SRV-0004', 'hosted_on'),
(12, 'DB-0002', 'SRV-0005', 'hosted_on'),
(13, 'DB-0003', 'SRV-0004', 'hosted_on'),
(14, 'SRV-0001', 'NET-0002', 'connected_to'),
(15, 'SRV-0002', 'NET-0002', 'connected_to'),
(16, 'NET-0002', 'NET-0001', 'connected_to'),
(17, 'SRV-0003', 'NET-0001', 'connected_to'),
(18, 'SRV-0004', 'NET-0003', 'connected_to'),
(19, 'SRV-0005', 'NET-0003', 'connected_to'),
(20, 'NET-0003', 'NET-0001', 'connected_to'),
(21, 'APP-0002', 'SRV-0099', 'runs_on');
