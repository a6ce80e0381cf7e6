{
  source: .parent,
  target: .child,
  type: ($vars.relation_types[.type] // .type)
}
