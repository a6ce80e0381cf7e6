// Command cmdbserve serves a generated ServiceNow CMDB export (written by
// cmdbgen, package github.com/stackmap/stackmap/bench/cmdb) over the Table
// API, for the HTTP rows of bench/run.sh:
//
//	go run ./bench/cmdb/cmdbgen -cis 100000 -out /tmp/cmdb
//	go run ./bench/cmdb/cmdbserve -dir /tmp/cmdb -addr 127.0.0.1:0
//
// It reads DIR/cmdb_ci.json and DIR/cmdb_rel_ci.json once, then answers
// GET /api/now/table/cmdb_ci and /api/now/table/cmdb_rel_ci with
// sysparm_limit and sysparm_offset as ServiceNow does ({"result":[…]},
// X-Total-Count, a short last page), for the user and password of
// cmdb.User and cmdb.Password with basic auth. The first line of its
// standard output is the URL it listens on, such as http://127.0.0.1:40123;
// bench/cmdb-http.yaml reads it from CMDB_URL. It serves until it gets
// SIGINT or SIGTERM, then prints one more line, the pages it served and
// the requests it refused:
//
//	pages cmdb_ci 101 cmdb_rel_ci 201 unauthorized 0
package main
