#!/usr/bin/env bash
# e2e/sqlbench/run.sh [ROWS] — the sql source benchmark: start a private
# PostgreSQL (e2e/sqldb/start-postgres.sh, port $SQLDB_PG_PORT, default
# 55434), fill bench_ci with ROWS rows (default $SQLBENCH_ROWS or 1000000),
# time bin/stackmap run --once on the mappings in e2e/sqlbench/testdata and
# print a table of wall time, rows/s and peak RSS; then stop the server.
# Uses $STACKMAP_BIN, or builds bin/stackmap. Needs root, postgresql-15 and
# Go. Exits non-zero when a run fails.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
ROWS=${1:-${SQLBENCH_ROWS:-1000000}}
export SQLDB_PG_PORT=${SQLDB_PG_PORT:-55434}
GO=${GO:-go}

if [ -z "${STACKMAP_BIN:-}" ]; then
	(cd "$ROOT" && "$GO" build -trimpath -o bin/stackmap ./cmd/stackmap)
	STACKMAP_BIN=$ROOT/bin/stackmap
fi

W=$(mktemp -d /tmp/stackmap-sqlbench.XXXXXX)
chmod 755 "$W"
cleanup() {
	"$ROOT/e2e/sqldb/stop-postgres.sh" "$W" >/dev/null || echo "run.sh: could not stop PostgreSQL in $W" >&2
	rm -rf "$W"
}
trap cleanup EXIT
"$ROOT/e2e/sqldb/start-postgres.sh" "$W"

cd "$ROOT"
SQLBENCH_PG_DIR=$W SQLBENCH_ROWS=$ROWS STACKMAP_BIN=$STACKMAP_BIN \
	"$GO" test -count=1 -tags sqlbench -run '^TestSQLBench$' -v -timeout 90m ./e2e/sqlbench/
