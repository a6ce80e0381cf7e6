#!/usr/bin/env bash
# e2e/zabbix/start.sh WORKDIR — run a real Zabbix 6.0 on loopback and seed it.
#
# Starts a private PostgreSQL 15 cluster, imports the Zabbix schema, starts
# zabbix_server and serves the frontend's JSON-RPC API with `php -S`, then
# seeds host groups, hosts, trapper items, triggers, problems (pushed with
# the Zabbix sender protocol), an acknowledgement, a maintenance and an API
# token through the API. Writes WORKDIR/env (ZABBIX_URL, ZABBIX_USER,
# ZABBIX_PASSWORD, ZABBIX_E2E_API_TOKEN, …) for the test.
#
# Needs root and the Debian packages zabbix-server-pgsql zabbix-frontend-php
# php-pgsql php-cgi and postgresql-15. Ports (loopback only) can be moved with
# ZBX_E2E_PG_PORT (55432), ZBX_E2E_SERVER_PORT (10151), ZBX_E2E_WEB_PORT (18080).
# Writes /etc/zabbix/zabbix.conf.php, the only file Debian's frontend reads;
# stop.sh removes it again. Running it again restarts from scratch; on any
# failure it prints the log tails, stops what it started and exits 1.
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
	echo "usage: $0 WORKDIR" >&2
	exit 2
fi
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(realpath -m -- "$1")
PG_PORT=${ZBX_E2E_PG_PORT:-55432}
SERVER_PORT=${ZBX_E2E_SERVER_PORT:-10151}
WEB_PORT=${ZBX_E2E_WEB_PORT:-18080}
PGBIN=/usr/lib/postgresql/15/bin
SQL=/usr/share/zabbix-server-pgsql
FRONTEND=/usr/share/zabbix
FRONTEND_CONF=/etc/zabbix/zabbix.conf.php
URL="http://127.0.0.1:$WEB_PORT/api_jsonrpc.php"
T0=$(date +%s%N)

log() { printf '[%5.1fs] %s\n' "$(( ($(date +%s%N) - T0) / 1000000 ))e-3" "$*"; }

die() {
	echo "start.sh: $*" >&2
	# A die inside $(…) already reported and stopped everything.
	[ ! -e "$W/start.failed" ] || exit 1
	touch "$W/start.failed" 2>/dev/null || true
	for f in "$W/postgres.log" "$W/import.log" "$W/zabbix/zabbix_server.log" "$W/php.log"; do
		if [ -s "$f" ]; then
			echo "---- tail of $f" >&2
			tail -n 25 "$f" >&2
		fi
	done
	"$HERE/stop.sh" "$W" >&2 || true
	exit 1
}
trap 'die "command failed (line $LINENO): $BASH_COMMAND"' ERR

# wait_for SECONDS WHAT COMMAND…: run COMMAND every 0.2 s until it succeeds.
wait_for() {
	local limit=$1 what=$2 deadline
	shift 2
	deadline=$(( $(date +%s) + limit ))
	until "$@" >/dev/null 2>&1; do
		if [ "$(date +%s)" -ge "$deadline" ]; then
			die "$what did not happen within $limit s"
		fi
		sleep 0.2
	done
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

[ "$(id -u)" = 0 ] || { echo "start.sh: run as root (initdb runs as postgres, zabbix_server drops to zabbix, $FRONTEND_CONF is root's)" >&2; exit 1; }
for f in "$PGBIN/initdb" /usr/sbin/zabbix_server "$SQL/schema.sql.gz" "$FRONTEND/api_jsonrpc.php" /usr/bin/php /usr/bin/curl /usr/bin/jq; do
	[ -e "$f" ] || { echo "start.sh: $f is missing; apt-get install -y --no-install-recommends zabbix-server-pgsql zabbix-frontend-php php-pgsql php-cgi postgresql-15 curl jq" >&2; exit 1; }
done

# Start from scratch: stop what an earlier start left in WORKDIR.
"$HERE/stop.sh" "$W" >/dev/null || { echo "start.sh: could not stop the previous run in $W" >&2; exit 1; }
for p in "$PG_PORT" "$SERVER_PORT" "$WEB_PORT"; do
	if port_open "$p"; then
		echo "start.sh: 127.0.0.1:$p is already in use; stop that server or move the ports (ZBX_E2E_*_PORT)" >&2
		exit 1
	fi
done
if [ -f "$FRONTEND_CONF" ] && ! grep -q '^// written by stackmap e2e/zabbix/start.sh' "$FRONTEND_CONF"; then
	echo "start.sh: $FRONTEND_CONF exists and was not written by this script; refusing to overwrite it" >&2
	exit 1
fi
mkdir -p "$W"
rm -rf "$W/pg" "$W/pgsock" "$W/zabbix" "$W/env" "$W/start.failed" "$W"/*.log
chmod 755 "$W"
runuser -u postgres -- test -x "$W" || { echo "start.sh: user postgres cannot enter $W; use a WORKDIR whose parents are world-searchable (e.g. under /tmp)" >&2; exit 1; }
install -d -o postgres -g postgres -m 700 "$W/pg"
install -d -o postgres -g postgres -m 755 "$W/pgsock"
install -d -o zabbix -g zabbix -m 755 "$W/zabbix"
install -o postgres -g postgres -m 644 /dev/null "$W/postgres.log"
install -o zabbix -g zabbix -m 644 /dev/null "$W/php.log"

# ---- PostgreSQL: private cluster, loopback and a socket in WORKDIR only.
log "initdb"
runuser -u postgres -- "$PGBIN/initdb" -D "$W/pg" --auth=trust -U postgres -E UTF8 --locale=C.UTF-8 -N >"$W/import.log" 2>&1 ||
	die "initdb failed"
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$W/pg" -l "$W/postgres.log" -w -t 30 \
	-o "-p $PG_PORT -k $W/pgsock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
	start >>"$W/import.log" 2>&1 || die "PostgreSQL did not start"
psql() { /usr/bin/psql -X -q -v ON_ERROR_STOP=1 -h "$W/pgsock" -p "$PG_PORT" "$@"; }
log "import the Zabbix schema"
psql -U postgres -d postgres -c "create role zabbix login" \
	-c "create database zabbix owner zabbix encoding 'UTF8' template template0" >>"$W/import.log" 2>&1 ||
	die "could not create the zabbix database"
zcat "$SQL/schema.sql.gz" "$SQL/images.sql.gz" "$SQL/data.sql.gz" |
	psql -U zabbix -d zabbix >>"$W/import.log" 2>&1 || die "schema import failed"

# ---- frontend API: php's built-in server, 4 workers, as user zabbix.
cat >"$FRONTEND_CONF.tmp" <<CONF
<?php
// written by stackmap e2e/zabbix/start.sh for $W
// removed by e2e/zabbix/stop.sh; do not edit.
\$DB['TYPE']     = 'POSTGRESQL';
\$DB['SERVER']   = '$W/pgsock';
\$DB['PORT']     = '$PG_PORT';
\$DB['DATABASE'] = 'zabbix';
\$DB['USER']     = 'zabbix';
\$DB['PASSWORD'] = '';
\$DB['SCHEMA']   = '';
\$DB['ENCRYPTION'] = false;
\$DB['KEY_FILE'] = '';
\$DB['CERT_FILE'] = '';
\$DB['CA_FILE'] = '';
\$DB['VERIFY_HOST'] = false;
\$DB['CIPHER_LIST'] = '';
\$DB['VAULT_URL'] = '';
\$DB['VAULT_DB_PATH'] = '';
\$DB['VAULT_TOKEN'] = '';
\$DB['DOUBLE_IEEE754'] = true;
\$ZBX_SERVER      = '127.0.0.1';
\$ZBX_SERVER_PORT = '$SERVER_PORT';
\$ZBX_SERVER_NAME = 'stackmap e2e';
\$IMAGE_FORMAT_DEFAULT = IMAGE_FORMAT_PNG;
CONF
chmod 644 "$FRONTEND_CONF.tmp"
mv "$FRONTEND_CONF.tmp" "$FRONTEND_CONF"
log "start the API: $URL"
PHP_CLI_SERVER_WORKERS=4 setsid setpriv --reuid=zabbix --regid=zabbix --init-groups \
	/usr/bin/php -d opcache.enable_cli=1 -S "127.0.0.1:$WEB_PORT" -t "$FRONTEND" </dev/null >>"$W/php.log" 2>&1 &
echo $! >"$W/php.pid"

# rpc METHOD PARAMS [TOKEN]: one JSON-RPC call; prints .result, dies on .error.
rpc() {
	local body out
	body=$(jq -cn --arg m "$1" --argjson p "$2" --arg a "${3:-}" \
		'{jsonrpc: "2.0", method: $m, params: $p, id: 1} + (if $a == "" then {} else {auth: $a} end)')
	out=$(curl -sS --max-time 20 -H 'Content-Type: application/json-rpc' --data-binary "$body" "$URL") ||
		die "$1: no answer from $URL"
	if ! jq -e 'has("result")' >/dev/null 2>&1 <<<"$out"; then
		die "$1 failed: $(head -c 600 <<<"$out")"
	fi
	jq -c .result <<<"$out"
}
wait_for 20 "the API answering apiinfo.version" \
	bash -c "curl -sf --max-time 2 -H 'Content-Type: application/json-rpc' -d '{\"jsonrpc\":\"2.0\",\"method\":\"apiinfo.version\",\"params\":{},\"id\":1}' '$URL' | grep -q '\"result\"'"
VERSION=$(rpc apiinfo.version '{}' | jq -r .)
log "API up, Zabbix $VERSION"

# ---- seed, through the API only.
TOKEN=$(rpc user.login '{"username":"Admin","password":"zabbix"}' | jq -r .)
api() { rpc "$1" "$2" "$TOKEN"; }

# The stock "Zabbix server" host would raise agent problems after a few
# minutes; remove it so that only the seed below is monitored.
ids=$(api host.get '{"output":["hostid"],"filter":{"host":["Zabbix server"]}}' | jq -c 'map(.hostid)')
[ "$ids" = "[]" ] || api host.delete "$ids" >/dev/null

G_LINUX=$(api hostgroup.get '{"output":["groupid"],"filter":{"name":["Linux servers"]}}' | jq -r '.[0].groupid')
G_WEB=$(api hostgroup.create '{"name":"Web servers"}' | jq -r '.groupids[0]')
G_DB=$(api hostgroup.create '{"name":"Databases"}' | jq -r '.groupids[0]')

# host HOST NAME GROUPIDS TAGS: create a host with a trapper item app.health.
host() {
	local hostid
	hostid=$(api host.create "$(jq -cn --arg h "$1" --arg n "$2" --argjson g "$3" --argjson t "$4" \
		'{host: $h, name: $n, groups: ($g | map({groupid: .})), tags: $t}')" | jq -r '.hostids[0]')
	api item.create "$(jq -cn --arg h "$hostid" \
		'{hostid: $h, name: "Application health", key_: "app.health", type: 2, value_type: 3}')" >/dev/null
	echo "$hostid"
}
# trigger HOST DESCRIPTION PRIORITY THRESHOLD
trigger() {
	api trigger.create "$(jq -cn --arg h "$1" --arg d "$2" --argjson p "$3" --arg x "$4" \
		'{description: $d, priority: $p, expression: "last(/\($h)/app.health)>=\($x)"}')" | jq -r '.triggerids[0]'
}
H_WEB=$(host web-01 "Web 01" "[\"$G_WEB\",\"$G_LINUX\"]" '[{"tag":"env","value":"Prod"},{"tag":"service","value":"Web Shop"}]')
H_DB=$(host db-01 "Database 01" "[\"$G_DB\"]" '[{"tag":"stackstate-layer","value":"Databases"},{"tag":"role","value":""}]')
H_APP=$(host app-01 "App 01" "[\"$G_LINUX\"]" '[]')
H_MAINT=$(host maint-01 "Maintenance 01" "[\"$G_LINUX\"]" '[]')
trigger web-01 "Can't reach the web shop on {HOST.NAME}" 4 2 >/dev/null
trigger db-01 "Replication lag too high" 2 1 >/dev/null
T_DB_DOWN=$(trigger db-01 "Database is down" 5 3)
trigger app-01 "App health degraded" 3 2 >/dev/null
trigger maint-01 "Patching in progress" 4 2 >/dev/null
now=$(date +%s)
api maintenance.create "$(jq -cn --arg h "$H_MAINT" --argjson s "$((now - 3600))" \
	'{name: "Patch window", active_since: $s, active_till: ($s + 90000), hosts: [{hostid: $h}],
	  timeperiods: [{timeperiod_type: 0, start_date: $s, period: 90000}]}')" >/dev/null
log "seeded groups $G_WEB $G_DB $G_LINUX, hosts $H_WEB $H_DB $H_APP $H_MAINT"

# ---- zabbix_server, started after the seed so that its first configuration
# sync already holds the items and its timer's first pass (at start, then
# once a minute) puts maint-01 into maintenance.
cat >"$W/zabbix/zabbix_server.conf" <<CONF
DBHost=$W/pgsock
DBPort=$PG_PORT
DBName=zabbix
DBUser=zabbix
ListenIP=127.0.0.1
ListenPort=$SERVER_PORT
LogFile=$W/zabbix/zabbix_server.log
LogFileSize=0
PidFile=$W/zabbix/zabbix_server.pid
SocketDir=$W/zabbix
CacheUpdateFrequency=2
HousekeepingFrequency=0
StartPollers=1
StartPollersUnreachable=1
StartPreprocessors=1
StartHistoryPollers=1
StartTrappers=2
StartPingers=0
StartDiscoverers=0
StartHTTPPollers=0
StartTimers=1
StartEscalators=1
StartAlerters=1
StartDBSyncers=1
StartLLDProcessors=1
StartReportWriters=0
CONF
log "start zabbix_server"
/usr/sbin/zabbix_server -c "$W/zabbix/zabbix_server.conf" || die "zabbix_server did not start"
wait_for 20 "zabbix_server listening on 127.0.0.1:$SERVER_PORT" port_open "$SERVER_PORT"

# ---- problems: push values with the sender protocol until the server's
# configuration cache knows the items.
# send JSON: ZBXD, flags 0x01, little-endian uint64 length, the JSON; prints the reply's JSON.
send() {
	local json=$1 n=${#1} i hex=""
	for i in 0 1 2 3 4 5 6 7; do hex+=$(printf '\\x%02x' $(( (n >> (8 * i)) & 255 ))); done
	exec 3<>"/dev/tcp/127.0.0.1/$SERVER_PORT" || return 1
	printf 'ZBXD\x01%b%s' "$hex" "$json" >&3
	timeout 10 cat <&3 | tail -c +14
	exec 3<&-
}
DATA='{"request":"sender data","data":[
 {"host":"web-01","key":"app.health","value":"2"},
 {"host":"db-01","key":"app.health","value":"3"},
 {"host":"app-01","key":"app.health","value":"0"},
 {"host":"maint-01","key":"app.health","value":"2"}]}'
DATA=$(jq -c . <<<"$DATA")
sent() { send "$DATA" | jq -e '.response == "success" and (.info | test("processed: 4; failed: 0"))'; }
log "push values to 127.0.0.1:$SERVER_PORT"
wait_for 30 "the server accepting the trapper values" sent
problems() { api problem.get '{"output":["eventid"]}' | jq -e 'length == 4'; }
wait_for 30 "4 problems in problem.get" problems
EV=$(api problem.get "{\"output\":[\"eventid\"],\"objectids\":[\"$T_DB_DOWN\"]}" | jq -r '.[0].eventid')
api event.acknowledge "{\"eventids\":[\"$EV\"],\"action\":6,\"message\":\"known: failover in progress\"}" >/dev/null
in_maintenance() { api host.get "{\"output\":[\"maintenance_status\"],\"hostids\":[\"$H_MAINT\"]}" | jq -e '.[0].maintenance_status == "1"'; }
log "wait for maint-01 to enter maintenance"
wait_for 90 "maint-01 entering maintenance" in_maintenance

API_TOKEN=$(api token.create '{"name":"stackmap e2e","userid":"1"}' | jq -r '.tokenids[0]')
API_TOKEN=$(api token.generate "[\"$API_TOKEN\"]" | jq -r '.[0].token')
# A password of its own: the stock "zabbix" is also the mapping's name, and
# stackmap redacts a secret wherever it appears.
PASSWORD=stackmap-e2e-Pa55
api user.update "{\"userid\":\"1\",\"passwd\":\"$PASSWORD\"}" >/dev/null

cat >"$W/env" <<ENV
ZABBIX_URL=$URL
ZABBIX_USER=Admin
ZABBIX_PASSWORD=$PASSWORD
ZABBIX_E2E_API_TOKEN=$API_TOKEN
ZABBIX_E2E_VERSION=$VERSION
ZABBIX_E2E_SERVER=127.0.0.1:$SERVER_PORT
ZABBIX_E2E_GROUP_LINUX=$G_LINUX
ZABBIX_E2E_GROUP_WEB=$G_WEB
ZABBIX_E2E_GROUP_DB=$G_DB
ZABBIX_E2E_HOST_WEB=$H_WEB
ZABBIX_E2E_HOST_DB=$H_DB
ZABBIX_E2E_HOST_APP=$H_APP
ZABBIX_E2E_HOST_MAINT=$H_MAINT
ENV
trap - ERR
log "ready: $URL (Admin/$PASSWORD); settings in $W/env; stop with $HERE/stop.sh $W"
