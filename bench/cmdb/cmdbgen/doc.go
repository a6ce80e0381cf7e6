// Command cmdbgen writes a generated ServiceNow CMDB export (package
// github.com/stackmap/stackmap/bench/cmdb) to a directory: DIR/cmdb_ci.json
// with N configuration items and DIR/cmdb_rel_ci.json with 2·N
// relationships, as the Table API returns them by default
// (sysparm_display_value=false, with sysparm_exclude_reference_link=true):
// every field a plain string, references as sys_ids. The same N always
// gives the same bytes.
//
//	go run ./bench/cmdb/cmdbgen -cis 100000 -out /tmp/cmdb
//
// It prints one line per file: its path, its records and its size.
package main
