// Package snfake is a fake ServiceNow instance for tests: the read side of
// the Table API (GET /api/now/table/{table}) over a small, deterministic
// CMDB, with fault injection.
//
// What it does as ServiceNow does:
//
//   - Basic auth; anything else is 401 with WWW-Authenticate and
//     {"error":{"message":"User Not Authenticated","detail":"Required to
//     provide Auth information"},"status":"failure"}.
//   - Errors as {"error":{"message","detail"},"status":"failure"}: 400
//     "Invalid table X", 400 "Requested URI does not represent any
//     resource", 400 "Invalid value given for sysparm_limit" (sysparm_limit
//     must be a positive integer), 404 "No Record found".
//   - sysparm_offset and sysparm_limit (10000 when absent);
//     X-Total-Count; a Link header with <url>;rel="first", rel="prev" (not
//     on the first page), rel="next" (when rows follow) and rel="last",
//     comma-separated without spaces, each URL the request's own query (as
//     sent) followed by sysparm_offset and sysparm_limit; no Link header
//     when the whole result fits the first page;
//     sysparm_suppress_pagination_header and sysparm_no_count.
//   - sysparm_display_value false (stored values; references as
//     {"link","value"}), true (display values; references as
//     {"display_value","link"}) and all (every field
//     {"display_value","value"}, references with "link");
//     sysparm_exclude_reference_link; sysparm_fields, dot-walking included
//     (parent.name).
//   - Table inheritance: cmdb_ci holds every CI but shows only its own
//     columns (no host_name, which cmdb_ci_computer adds); a class table
//     such as cmdb_ci_server shows its rows and those of the classes below
//     it, with all their columns.
//   - Display values: choice labels ("1" shows "Installed"), the display
//     field of referenced rows, date-times in the user's zone (UserZone),
//     integers with thousands separators, sys_tags as the tag names while
//     its value is empty, sys_class_name as the class label.
//   - sysparm_query: conditions joined by ^ and ^OR with =, !=, IN, NOT IN,
//     LIKE, NOT LIKE, STARTSWITH, ENDSWITH, ISEMPTY, ISNOTEMPTY and
//     ANYTHING, on stored values, ignoring case, dot-walking through
//     references (parent.sys_class_nameIN…); ORDERBY and ORDERBYDESC.
//
// Where it is stricter than ServiceNow, on purpose: an unknown operator,
// an unknown field or ^NQ in sysparm_query is a 400 {"error":{"message":
// "Invalid query","detail":…}}; ServiceNow drops an invalid condition (or,
// with glide.invalid_query.returns_no_rows, returns nothing), which changes
// a result without a word. Rows with equal ORDERBY values are ordered by
// sys_id, where ServiceNow's order is undefined. With Config.Drift the
// order the query leaves open (without ORDERBY, or among equal ORDERBY
// values) changes with sysparm_offset, as it may on a busy database, so
// that paging without a total order loses and repeats rows.
//
// Not verified against a live instance (none was available): the exact
// wording of the 429, 500 and "Invalid query" bodies, and that sys_tags'
// value is empty with display_value=all.
//
// Faults (Server.AddFault) make chosen pages fail with a status and an
// error body, answer late, carry Retry-After, or come back as the cut-off
// JSON ServiceNow sends when it cancels a long transaction. Proxy serves
// the fake under any host name, HTTPS included, for recording fixtures
// with a real instance URL; cmd/snfake runs either.
package snfake
