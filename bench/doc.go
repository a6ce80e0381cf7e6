// Package bench holds the CMDB benchmark of make bench and the tests that
// keep it honest. It has no code of its own:
//
//   - cmdb/ generates ServiceNow CMDB exports in the Table API's default
//     form, every field a plain string and references as sys_ids
//     (cmdb/cmdbgen is its command), and serves them over the Table API,
//     with offset pagination and basic auth (cmdb/cmdbserve);
//   - cmdb.yaml maps an export to components and relations; its rules' jq is
//     also in components.jq and relations.jq, for the gojq CLI;
//   - cmdb-http.yaml is the same mapping reading the export from the Table
//     API, 1000 records a page;
//   - run.sh generates exports of several sizes and times bin/stackmap and
//     the gojq CLI on them, then bin/stackmap on cmdb-http.yaml against
//     cmdbserve, printing wall time, CPU time and peak memory.
//
// The tests check that the jq of cmdb.yaml and of the .jq files is the
// same, that cmdb-http.yaml differs from cmdb.yaml only in its sources
// and the vars they read, that the mapping knows every class and
// relationship type (by its sys_id) the generator makes, that stackmap maps
// each record of a generated export to a component or relation with the
// record's values, that testdata/sample is what the generator writes, that
// stackmap's payload for 3000 generated CIs is byte for byte the one the
// engine produced before its performance work (testdata/*.sha256), and
// that its payload for 2000 CIs read over HTTP, page by page, is byte for
// byte the one it makes of the same export read from files.
//
//	bench/run.sh 10000 100000      # or BENCH_SIZES="10000 100000" bench/run.sh
package bench
