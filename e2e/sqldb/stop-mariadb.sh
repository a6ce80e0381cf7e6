#!/usr/bin/env bash
# e2e/sqldb/stop-mariadb.sh DIR — stop the server that start-mariadb.sh DIR
# started: SIGTERM (a clean shutdown), then SIGKILL after 20 s. Safe to run
# any number of times, also after a start that failed half way; it only
# signals a mariadbd whose pid file is in DIR/run and whose command line
# names DIR.
set -uo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
	echo "usage: $0 DIR" >&2
	exit 2
fi
W=$(realpath -m -- "$1")

# alive PID: PID runs and is the mariadbd of DIR.
alive() {
	[ -n "$1" ] && [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -q -- "--datadir=$W/data"
}

failed=0
for file in "$W/run/mariadbd.pid" "$W/run/launcher.pid"; do
	[ -f "$file" ] || continue
	pid=$(tr -dc '0-9' <"$file")
	if ! alive "$pid"; then
		rm -f "$file"
		continue
	fi
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 200); do
		alive "$pid" || break
		sleep 0.1
	done
	if alive "$pid"; then
		echo "stop-mariadb.sh: mariadbd (pid $pid) ignored SIGTERM for 20 s; sending SIGKILL" >&2
		tail -n 20 "$W/mariadb.log" >&2 2>/dev/null
		kill -KILL "$pid" 2>/dev/null
		sleep 0.5
	fi
	if alive "$pid"; then
		echo "stop-mariadb.sh: mariadbd (pid $pid) is still running" >&2
		failed=1
		continue
	fi
	rm -f "$file"
	echo "stopped MariaDB (pid $pid)"
done
exit $failed
