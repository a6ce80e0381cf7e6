#!/usr/bin/env bash
# e2e/sqldb/stop-postgres.sh DIR — stop the cluster that start-postgres.sh DIR
# started (pg_ctl stop -m fast, then SIGKILL after 20 s). Safe to run any
# number of times, also after a start that failed half way; it only signals
# the postmaster whose pid file is in DIR/pg.
set -uo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
	echo "usage: $0 DIR" >&2
	exit 2
fi
W=$(realpath -m -- "$1")
PGBIN=${SQLDB_PGBIN:-/usr/lib/postgresql/15/bin}

# alive PID: PID runs and is a postgres server for DIR/pg.
alive() {
	[ -n "$1" ] && [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -q -- "$W/pg"
}

[ -f "$W/pg/postmaster.pid" ] || exit 0
pid=$(head -n1 "$W/pg/postmaster.pid" | tr -dc '0-9')
alive "$pid" || exit 0
if ! runuser -u postgres -- "$PGBIN/pg_ctl" -D "$W/pg" -m fast -w -t 20 stop >/dev/null 2>&1; then
	echo "stop-postgres.sh: pg_ctl stop failed; sending SIGKILL to $pid" >&2
	tail -n 20 "$W/postgres.log" >&2 2>/dev/null
	kill -KILL "$pid" 2>/dev/null
fi
# pg_ctl -w returns once the pid file is gone; the postmaster may take a
# moment more to exit, longer on a loaded machine.
for _ in $(seq 100); do
	alive "$pid" || break
	sleep 0.1
done
if alive "$pid"; then
	kill -KILL "$pid" 2>/dev/null
	sleep 0.5
fi
if alive "$pid"; then
	echo "stop-postgres.sh: PostgreSQL (pid $pid) is still running" >&2
	exit 1
fi
echo "stopped PostgreSQL (pid $pid)"
