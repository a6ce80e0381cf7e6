#!/bin/sh
# stop.sh WORKDIR — stop the Nagios that start.sh started in WORKDIR: TERM the
# pid from its lock file, wait up to 10 s, then KILL it. Nagios' check workers
# exit with it. Succeeds when Nagios is not running.
set -eu

[ $# -eq 1 ] || { echo "usage: $0 WORKDIR" >&2; exit 2; }
lock="$1/nagios.lock"
[ -s "$lock" ] || exit 0
pid=$(cat "$lock")
case $pid in '' | *[!0-9]*) echo "stop.sh: $lock does not hold a pid" >&2; exit 1 ;; esac
# Only signal the pid when it is a nagios4 process (a stale lock file may
# name a pid that was reused).
alive() { kill -0 "$pid" 2>/dev/null && grep -q nagios4 "/proc/$pid/cmdline" 2>/dev/null; }
alive || exit 0
kill "$pid"
i=0
while alive; do
	i=$((i + 1))
	if [ "$i" -gt 50 ]; then
		echo "stop.sh: nagios4 (pid $pid) ignored TERM for 10s; killing it" >&2
		kill -9 "$pid" 2>/dev/null || true
		break
	fi
	sleep 0.2
done
