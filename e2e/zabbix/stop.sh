#!/usr/bin/env bash
# e2e/zabbix/stop.sh WORKDIR — stop what e2e/zabbix/start.sh WORKDIR started:
# the PHP API server, zabbix_server and the private PostgreSQL cluster, and
# remove /etc/zabbix/zabbix.conf.php when start.sh wrote it for WORKDIR.
# Safe to run any number of times, also after a start that failed half way.
# Only processes whose pid files live in WORKDIR are signalled, and only
# when their command line is the one start.sh ran.
set -uo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
	echo "usage: $0 WORKDIR" >&2
	exit 2
fi
W=$(realpath -m -- "$1")
PGBIN=/usr/lib/postgresql/15/bin
FRONTEND_CONF=/etc/zabbix/zabbix.conf.php
failed=0

# alive PID WORD: PID runs and its command line contains WORD.
alive() {
	[ -n "$1" ] && [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -q -- "$2"
}

# stop_pid NAME PIDFILE WORD: TERM the process group of the pid in PIDFILE,
# wait up to 15 s, then KILL it.
stop_pid() {
	local name=$1 file=$2 word=$3 pid
	[ -f "$file" ] || return 0
	pid=$(tr -dc '0-9' <"$file")
	if ! alive "$pid" "$word"; then
		rm -f "$file"
		return 0
	fi
	kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 150); do
		alive "$pid" "$word" || break
		sleep 0.1
	done
	if alive "$pid" "$word"; then
		echo "stop.sh: $name (pid $pid) ignored SIGTERM for 15 s; sending SIGKILL" >&2
		kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
		sleep 0.5
	fi
	if alive "$pid" "$word"; then
		echo "stop.sh: $name (pid $pid) is still running" >&2
		failed=1
		return 0
	fi
	rm -f "$file"
	echo "stopped $name (pid $pid)"
}

stop_pid "PHP API server" "$W/php.pid" "php"
stop_pid "zabbix_server" "$W/zabbix/zabbix_server.pid" "zabbix_server"

if [ -f "$W/pg/postmaster.pid" ]; then
	pid=$(head -n1 "$W/pg/postmaster.pid" | tr -dc '0-9')
	if alive "$pid" postgres; then
		if runuser -u postgres -- "$PGBIN/pg_ctl" -D "$W/pg" -m fast -w -t 30 stop >/dev/null; then
			echo "stopped PostgreSQL (pid $pid)"
		else
			echo "stop.sh: pg_ctl stop failed; log tail:" >&2
			tail -n 20 "$W/postgres.log" >&2 2>/dev/null
			failed=1
		fi
	fi
fi

# The frontend's configuration is a fixed path; remove it only when it is ours.
if [ -f "$FRONTEND_CONF" ] && grep -qxF "// written by stackmap e2e/zabbix/start.sh for $W" "$FRONTEND_CONF"; then
	rm -f "$FRONTEND_CONF"
fi
exit $failed
