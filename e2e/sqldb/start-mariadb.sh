#!/usr/bin/env bash
# e2e/sqldb/start-mariadb.sh DIR — start a private MariaDB server for the SQL
# source tests.
#
# The data directory is DIR/data (mariadb-install-db, owned by the user
# mysql); mariadbd runs as mysql with --no-defaults, listens on
# 127.0.0.1:$SQLDB_MARIADB_PORT (13306) and on the socket DIR/run/mysqld.sock,
# and keeps its pid file in DIR/run and its log in DIR/mariadb.log. root@localhost
# logs in through the socket only (unix_socket auth). It creates the database
# cmdb and the users cmdb@'127.0.0.1' and cmdb@'localhost' with the password
# $SQLDB_PASSWORD (default cmdb-e2e-Pa55), all privileges on cmdb.*, and
# writes DIR/env (shell syntax, values in single quotes):
#
#   CMDB_DRIVER=mariadb
#   CMDB_DSN=cmdb:<password>@tcp(127.0.0.1:<port>)/cmdb
#   SQLDB_PORT=<port>  SQLDB_SOCKET=DIR/run/mysqld.sock  SQLDB_PASSWORD=<password>
#
# Load a schema with:  mariadb --socket=DIR/run/mysqld.sock -u root cmdb <FILE
# Needs root and mariadb-server. DIR and its parents must be searchable by the
# user mysql (a directory under /tmp is). Running it again starts from
# scratch. On failure it prints the log tail, stops what it started and exits 1.
# Stop it with stop-mariadb.sh DIR.
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
	echo "usage: $0 DIR" >&2
	exit 2
fi
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(realpath -m -- "$1")
PORT=${SQLDB_MARIADB_PORT:-13306}
PASSWORD=${SQLDB_PASSWORD:-cmdb-e2e-Pa55}
SOCK=$W/run/mysqld.sock
LIMIT=25

die() {
	echo "start-mariadb.sh: $*" >&2
	for f in "$W/mariadb.log" "$W/install.log"; do
		if [ -s "$f" ]; then
			echo "---- tail of $f" >&2
			tail -n 25 "$f" >&2
		fi
	done
	"$HERE/stop-mariadb.sh" "$W" >&2 || true
	exit 1
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

[ "$(id -u)" = 0 ] || { echo "start-mariadb.sh: run as root (mariadbd runs as the user mysql)" >&2; exit 1; }
for f in /usr/sbin/mariadbd /usr/bin/mariadb-install-db /usr/bin/mariadb /usr/bin/mariadb-admin; do
	[ -x "$f" ] || { echo "start-mariadb.sh: $f is missing; apt-get install mariadb-server mariadb-client" >&2; exit 1; }
done
case $PASSWORD in *[!A-Za-z0-9._-]*) echo "start-mariadb.sh: SQLDB_PASSWORD may hold only letters, digits, '.', '_' and '-'" >&2; exit 1 ;; esac

"$HERE/stop-mariadb.sh" "$W" >/dev/null || { echo "start-mariadb.sh: could not stop the previous server in $W" >&2; exit 1; }
if port_open "$PORT"; then
	echo "start-mariadb.sh: 127.0.0.1:$PORT is already in use; stop that server or set SQLDB_MARIADB_PORT" >&2
	exit 1
fi
mkdir -p "$W"
rm -rf "$W/data" "$W/run" "$W/env" "$W/mariadb.log" "$W/install.log"
chmod 755 "$W"
runuser -u mysql -- test -x "$W" ||
	{ echo "start-mariadb.sh: user mysql cannot enter $W; use a DIR whose parents are world-searchable (e.g. under /tmp)" >&2; exit 1; }
install -d -o mysql -g mysql -m 750 "$W/data"
install -d -o mysql -g mysql -m 755 "$W/run"
install -o mysql -g mysql -m 644 /dev/null "$W/mariadb.log"

mariadb-install-db --no-defaults --datadir="$W/data" --user=mysql --auth-root-authentication-method=socket \
	--skip-test-db --skip-name-resolve >"$W/install.log" 2>&1 || die "mariadb-install-db failed"

# setsid: its own process group, so that a test's signals do not reach it.
setsid /usr/sbin/mariadbd --no-defaults --user=mysql --datadir="$W/data" \
	--socket="$SOCK" --port="$PORT" --bind-address=127.0.0.1 --skip-networking=0 \
	--pid-file="$W/run/mariadbd.pid" --log-error="$W/mariadb.log" --tmpdir="$W/run" \
	--skip-name-resolve --skip-log-bin --performance-schema=OFF \
	--innodb-buffer-pool-size=128M --innodb-log-file-size=48M --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 \
	--character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci --default-time-zone=+00:00 \
	</dev/null >>"$W/mariadb.log" 2>&1 &
echo $! >"$W/run/launcher.pid"

deadline=$(( $(date +%s) + LIMIT ))
until mariadb-admin --no-defaults --socket="$SOCK" -u root --connect-timeout=2 ping >/dev/null 2>&1 && port_open "$PORT"; do
	kill -0 "$(cat "$W/run/launcher.pid")" 2>/dev/null || die "mariadbd exited"
	[ "$(date +%s)" -lt "$deadline" ] || die "mariadbd did not accept connections within $LIMIT s"
	sleep 0.2
done

mariadb --no-defaults --socket="$SOCK" -u root >>"$W/install.log" 2>&1 <<SQL || die "could not create the database and users cmdb"
CREATE DATABASE cmdb CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER 'cmdb'@'127.0.0.1' IDENTIFIED BY '$PASSWORD';
CREATE USER 'cmdb'@'localhost' IDENTIFIED BY '$PASSWORD';
GRANT ALL PRIVILEGES ON cmdb.* TO 'cmdb'@'127.0.0.1';
GRANT ALL PRIVILEGES ON cmdb.* TO 'cmdb'@'localhost';
SQL
# The password must work over TCP, as stackmap connects.
mariadb --no-defaults -h 127.0.0.1 -P "$PORT" -u cmdb -p"$PASSWORD" --connect-timeout=5 cmdb -e 'select 1' >>"$W/install.log" 2>&1 ||
	die "cmdb cannot log in over TCP"

cat >"$W/env" <<ENV
CMDB_DRIVER='mariadb'
CMDB_DSN='cmdb:$PASSWORD@tcp(127.0.0.1:$PORT)/cmdb'
SQLDB_PORT='$PORT'
SQLDB_SOCKET='$SOCK'
SQLDB_PASSWORD='$PASSWORD'
ENV
echo "MariaDB ready on 127.0.0.1:$PORT (socket $SOCK), database cmdb; settings in $W/env"
