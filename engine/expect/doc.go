// Package expect compares the elements a run produced with what a mapping
// test expects, and describes every difference per element and per field,
// such as `data.os: "RHEL 9" → "RHEL 8"`. Elements are matched by identity
// (components, relations and health states by id, metrics by name, tags
// and host, events by source and title), so order never matters.
package expect
