// Package sqlbench measures the sql source end to end: it fills a
// PostgreSQL table with a million CMDB-like rows (generate.sql) and times
// bin/stackmap run --once on mappings that read them (testdata/), with the
// rows per second and the peak resident memory of the stackmap process.
//
// Its tests carry the sqlbench build tag. run.sh starts a private
// PostgreSQL (e2e/sqldb/start-postgres.sh), runs them and prints a table:
//
//	e2e/sqlbench/run.sh            # 1 000 000 rows
//	e2e/sqlbench/run.sh 100000     # fewer
//
// Or by hand, against a running server started with start-postgres.sh DIR:
//
//	SQLBENCH_PG_DIR=DIR STACKMAP_BIN=$PWD/bin/stackmap \
//	  go test -tags sqlbench -run TestSQLBench -v -timeout 60m ./e2e/sqlbench/
//	SQLBENCH_PG_DIR=DIR STACKMAP_BIN=$PWD/bin/stackmap \
//	  go test -tags sqlbench -run '^$' -bench . -benchtime 1x -timeout 60m ./e2e/sqlbench/
//
// Without SQLBENCH_PG_DIR the tests start (and stop) a server themselves,
// which needs root. SQLBENCH_ROWS sets the row count (default 1000000).
package sqlbench
