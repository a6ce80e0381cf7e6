// Package cmdb generates ServiceNow CMDB exports for the CMDB benchmark of
// make bench (bench/run.sh) and for the tests that guard the engine's
// output.
//
// An export is two files, written the way the ServiceNow Table API answers
// a GET by default, with sysparm_display_value=false, and with
// sysparm_exclude_reference_link=true:
//
//	cmdb_ci.json       {"result":[{"sys_id":"…","name":"…","sys_class_name":"cmdb_ci_linux_server", …}, …]}
//	cmdb_rel_ci.json   {"result":[{"sys_id":"…","parent":"…","type":"…","child":"…", …}, …]}
//
// Every field is a JSON string holding the field's stored value; an empty
// field is "". A choice field holds the choice's value ("1", "production"),
// not its label; a number has no thousands separators; a date is
// "2024-03-05 10:11:12" (UTC). A reference field holds the sys_id of the
// referenced record, 32 lower-case hex digits: location, company,
// manufacturer, model_id and assignment_group of a CI refer to records
// that are not in the export (their sys_ids are made from their names),
// parent and child of a relationship to CIs of cmdb_ci.json, and its type
// to one of the cmdb_rel_type records that RelationTypes lists, such as
// "Runs on::Runs" or "Depends on::Used by".
//
// cmdb_ci holds n configuration items of twelve classes (servers,
// hypervisors, network gear, databases, application servers, applications
// and business services) with 27 fields each; cmdb_rel_ci holds 2·n
// relationships of 8 fields, two with each CI as the parent, typed after
// what the two classes are to each other. No two relationships share a
// parent, type and child, and none points from a CI to itself. A CI takes
// about 850 bytes and a relationship about 280: 100 000 CIs and their
// 200 000 relationships are about 141 MB.
//
// The output is a pure function of n: every value is computed from the
// record's index with a fixed integer hash, so the same n always gives the
// same bytes, on every platform and Go version. Records are appended to a
// reused byte slice with hand-written JSON string escaping and written
// through a bufio.Writer: a million CIs, about 1.4 GB of JSON, take under
// three seconds of CPU (two goroutines, one per file), and as long as the
// disk needs to take the bytes.
//
// The command cmdbgen (bench/cmdb/cmdbgen) writes an export to a directory:
//
//	go run ./bench/cmdb/cmdbgen -cis 100000 -out /tmp/cmdb
//
// A Server (NewServer) answers the Table API's GET /api/now/table/cmdb_ci
// and /api/now/table/cmdb_rel_ci from such a directory, as ServiceNow does:
// sysparm_offset and sysparm_limit select the records [offset,
// offset+limit) of {"result":[…]}, X-Total-Count gives the table's size, a
// Link header the first, previous, next and last pages, and a request
// without basic auth for User and Password gets 401 with ServiceNow's JSON
// error. It reads the two files once and serves a page by writing the
// bytes its records have in the file, with no decoding or encoding. The
// command cmdbserve (bench/cmdb/cmdbserve) runs one:
//
//	go run ./bench/cmdb/cmdbserve -dir /tmp/cmdb -addr 127.0.0.1:0
package cmdb
