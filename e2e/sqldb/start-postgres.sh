#!/usr/bin/env bash
# e2e/sqldb/start-postgres.sh DIR — start a private PostgreSQL 15 cluster for
# the SQL source tests and the benchmark.
#
# The cluster lives in DIR/pg and listens on 127.0.0.1:$SQLDB_PG_PORT (55433)
# and on a socket in DIR/sock. TCP connections need a password
# (scram-sha-256), so a wrong password is a real authentication failure; the
# socket trusts its users, but only root and postgres may open it (mode 0700).
# It creates the role cmdb (password $SQLDB_PASSWORD, default
# cmdb-e2e-Pa55) and the database cmdb owned by it, and writes DIR/env
# (shell syntax, values in single quotes):
#
#   CMDB_DRIVER=postgres
#   CMDB_DSN=postgres://cmdb:<password>@127.0.0.1:<port>/cmdb
#   SQLDB_PORT=<port>  SQLDB_SOCKET=DIR/sock  SQLDB_PASSWORD=<password>
#
# Load a schema with:  psql -h DIR/sock -p <port> -U cmdb -d cmdb -f FILE
# Needs root (initdb and postgres run as the user postgres) and
# /usr/lib/postgresql/15/bin. DIR and its parents must be searchable by the
# user postgres (a directory under /tmp is). Running it again starts from
# scratch. On failure it prints the log tail, stops what it started and exits 1.
# Stop it with stop-postgres.sh DIR.
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
	echo "usage: $0 DIR" >&2
	exit 2
fi
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(realpath -m -- "$1")
PORT=${SQLDB_PG_PORT:-55433}
PASSWORD=${SQLDB_PASSWORD:-cmdb-e2e-Pa55}
PGBIN=${SQLDB_PGBIN:-/usr/lib/postgresql/15/bin}

die() {
	echo "start-postgres.sh: $*" >&2
	for f in "$W/postgres.log" "$W/initdb.log"; do
		if [ -s "$f" ]; then
			echo "---- tail of $f" >&2
			tail -n 25 "$f" >&2
		fi
	done
	"$HERE/stop-postgres.sh" "$W" >&2 || true
	exit 1
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

[ "$(id -u)" = 0 ] || { echo "start-postgres.sh: run as root (initdb and postgres run as the user postgres)" >&2; exit 1; }
[ -x "$PGBIN/initdb" ] || { echo "start-postgres.sh: $PGBIN/initdb is missing; apt-get install postgresql-15" >&2; exit 1; }
case $PASSWORD in *[!A-Za-z0-9._-]*) echo "start-postgres.sh: SQLDB_PASSWORD may hold only letters, digits, '.', '_' and '-'" >&2; exit 1 ;; esac

"$HERE/stop-postgres.sh" "$W" >/dev/null || { echo "start-postgres.sh: could not stop the previous cluster in $W" >&2; exit 1; }
if port_open "$PORT"; then
	echo "start-postgres.sh: 127.0.0.1:$PORT is already in use; stop that server or set SQLDB_PG_PORT" >&2
	exit 1
fi
mkdir -p "$W"
rm -rf "$W/pg" "$W/sock" "$W/env" "$W/postgres.log" "$W/initdb.log" "$W/pg-superuser.pw"
chmod 755 "$W"
runuser -u postgres -- test -x "$W" ||
	{ echo "start-postgres.sh: user postgres cannot enter $W; use a DIR whose parents are world-searchable (e.g. under /tmp)" >&2; exit 1; }
install -d -o postgres -g postgres -m 700 "$W/pg"
install -d -o postgres -g postgres -m 755 "$W/sock"
install -o postgres -g postgres -m 644 /dev/null "$W/postgres.log"
install -o postgres -g postgres -m 600 /dev/null "$W/pg-superuser.pw"
# initdb wants a superuser password when it turns password auth on; nobody
# uses it (the superuser comes in through the socket).
head -c 18 /dev/urandom | base64 >"$W/pg-superuser.pw"

runuser -u postgres -- "$PGBIN/initdb" -D "$W/pg" -U postgres --pwfile="$W/pg-superuser.pw" \
	--auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 -N >"$W/initdb.log" 2>&1 ||
	die "initdb failed"
rm -f "$W/pg-superuser.pw"
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$W/pg" -l "$W/postgres.log" -w -t 25 \
	-o "-p $PORT -k $W/sock -c listen_addresses=127.0.0.1 -c unix_socket_permissions=0700 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50 -c shared_buffers=128MB -c log_min_messages=warning" \
	start >>"$W/initdb.log" 2>&1 || die "PostgreSQL did not start within 25 s"

/usr/bin/psql -X -q -v ON_ERROR_STOP=1 -h "$W/sock" -p "$PORT" -U postgres -d postgres \
	-c "create role cmdb login password '$PASSWORD'" \
	-c "create database cmdb owner cmdb encoding 'UTF8' template template0" >>"$W/initdb.log" 2>&1 ||
	die "could not create the role and database cmdb"
# The password must work over TCP, as stackmap connects.
PGPASSWORD=$PASSWORD PGCONNECT_TIMEOUT=5 /usr/bin/psql -X -q -w -h 127.0.0.1 -p "$PORT" -U cmdb -d cmdb -c 'select 1' >>"$W/initdb.log" 2>&1 ||
	die "cmdb cannot log in over TCP"

cat >"$W/env" <<ENV
CMDB_DRIVER='postgres'
CMDB_DSN='postgres://cmdb:$PASSWORD@127.0.0.1:$PORT/cmdb'
SQLDB_PORT='$PORT'
SQLDB_SOCKET='$W/sock'
SQLDB_PASSWORD='$PASSWORD'
ENV
echo "PostgreSQL ready on 127.0.0.1:$PORT (socket $W/sock), database cmdb; settings in $W/env"
