#!/bin/sh
# start.sh WORKDIR — start a private Nagios 4 with the e2e seed and wait until
# every host and service has been checked and is in the state its
# check_dummy return code asks for.
#
# WORKDIR gets nagios.cfg, cgi.cfg, objects.cfg and everything Nagios writes
# (status.dat, objects.cache, nagios.log, the lock file holding the pid), all
# owned by the user nagios. Needs root (nagios4 drops to nagios), nagios4-core,
# nagios4-cgi and monitoring-plugins-basic. Stop it with stop.sh WORKDIR.
# Environment: NAGIOS_START_TIMEOUT (seconds to wait, default 60).
set -eu

[ $# -eq 1 ] || { echo "usage: $0 WORKDIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
work=$(cd "$1" && pwd)
timeout=${NAGIOS_START_TIMEOUT:-60}

if [ -f "$work/nagios.lock" ] && kill -0 "$(cat "$work/nagios.lock")" 2>/dev/null; then
	echo "start.sh: Nagios already runs in $work (pid $(cat "$work/nagios.lock")); stop.sh it first" >&2
	exit 1
fi

rm -rf "$work/rw" "$work/tmp" "$work/checkresults" "$work/archives" \
	"$work/status.dat" "$work/objects.cache" "$work/objects.precache" "$work/nagios.log" "$work/nagios.lock"
mkdir -p "$work/rw" "$work/tmp" "$work/checkresults" "$work/archives"
sed "s|@WORKDIR@|$work|g" "$here/nagios.cfg.in" >"$work/nagios.cfg"
sed "s|@WORKDIR@|$work|g" "$here/cgi.cfg.in" >"$work/cgi.cfg"
cp "$here/objects.cfg" "$work/objects.cfg"
printf '$USER1$=/usr/lib/nagios/plugins\n' >"$work/resource.cfg"
chown -R nagios:nagios "$work"

if ! out=$(nagios4 -v "$work/nagios.cfg" 2>&1); then
	echo "$out" >&2
	echo "start.sh: nagios4 -v rejected $work/nagios.cfg" >&2
	exit 1
fi
nagios4 -d "$work/nagios.cfg"

# status.dat blocks hold check_command=check_dummy!<rc>!…, has_been_checked
# and current_state. A service's state is its rc; a host's is 0 (UP) for rc
# 0 and 1 (DOWN) otherwise. Prints the objects not yet as expected.
pending() {
	[ -f "$work/status.dat" ] || { echo "no status.dat yet"; return; }
	awk '
	/^(hoststatus|servicestatus) \{/ { kind = $1; host = ""; svc = ""; rc = ""; checked = ""; state = ""; next }
	/^\t(host_name|service_description|check_command|has_been_checked|current_state)=/ {
		line = substr($0, 2); k = substr(line, 1, index(line, "=") - 1); v = substr(line, index(line, "=") + 1)
		if (k == "host_name") host = v
		else if (k == "service_description") svc = v
		else if (k == "has_been_checked") checked = v
		else if (k == "current_state") state = v
		else if (k == "check_command") { split(v, a, "!"); rc = a[2] }
		next
	}
	/^\t\}/ {
		if (kind == "") next
		want = rc
		if (kind == "hoststatus" && rc != 0) want = 1
		name = (kind == "hoststatus") ? "host " host : "service " host ";" svc
		if (checked != "1" || state != want) print name " state " state " (checked " checked "), want " want
		n[kind]++
		kind = ""
	}
	END { if (n["hoststatus"] == 0 || n["servicestatus"] == 0) print "no hosts or services in status.dat yet" }
	' "$work/status.dat"
}

i=0
while :; do
	left=$(pending)
	[ -z "$left" ] && break
	# The daemon writes its pid to the lock file a moment after nagios4 -d
	# returns: no lock file for 5 s, or a dead pid, means it died.
	if { [ ! -s "$work/nagios.lock" ] && [ "$i" -ge 25 ]; } ||
		{ [ -s "$work/nagios.lock" ] && ! kill -0 "$(cat "$work/nagios.lock")" 2>/dev/null; }; then
		echo "start.sh: nagios4 is not running; the end of $work/nagios.log:" >&2
		tail -n 20 "$work/nagios.log" >&2 2>/dev/null || true
		exit 1
	fi
	i=$((i + 1))
	if [ "$i" -gt $((timeout * 5)) ]; then
		echo "start.sh: after ${timeout}s not every check is in its expected state:" >&2
		echo "$left" >&2
		exit 1
	fi
	sleep 0.2
done
echo "start.sh: Nagios runs in $work (pid $(cat "$work/nagios.lock")), every check in its expected state after $((i / 5)).$((i % 5 * 2))s"
