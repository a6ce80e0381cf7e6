// Package sql is the sql source: records from PostgreSQL (pgx), MySQL and
// MariaDB (go-sql-driver/mysql) and SQLite (modernc.org/sqlite, pure Go).
//
// A query runs in a read-only transaction with a timeout that is also set
// on the server, its arguments are bound from templates (never spliced into
// the SQL), and its rows stream into records: one object per row, keyed by
// column name, with every value normalised to a JSON type. The DSN is a
// secret; its password never shows in errors or logs.
package sql
