#!/usr/bin/env bash
# bench/run.sh [SIZES…] — the CMDB benchmark of make bench.
#
# For each size (a number of ServiceNow configuration items; default
# $BENCH_SIZES or "10000 100000 1000000") it generates an export with
# bench/cmdb/cmdbgen (SIZE CIs and 2·SIZE relationships in the Table API's
# default form: every field a plain string, references as sys_ids; about
# 1.4 kB of JSON per CI) into a temporary directory, then times with
# /usr/bin/time -v
#
#   (a) bin/stackmap run --once --output file:OUT bench/cmdb.yaml, and
#   (b) the gojq CLI running the same jq (bench/components.jq and
#       bench/relations.jq, which a test keeps equal to cmdb.yaml's rules)
#       on the same files,
#
# checks that each produced every component and relation, and prints one
# table: input size, stackmap's wall time, CPU time (user + system), peak
# resident memory and that memory divided by the input size, gojq's wall
# time, CPU time and peak memory, and how many times faster (wall time)
# stackmap was than gojq. MB are 10^6 bytes. On a busy machine wall times
# grow with the load; the CPU times much less.
#
# Then the HTTP rows: for each size it generates the export again, serves
# it with bench/cmdb/cmdbserve (the ServiceNow Table API on loopback, 1000
# records a page with sysparm_offset and sysparm_limit, basic auth) and
# times
#
#   (c) bin/stackmap run --once --output file:OUT bench/cmdb-http.yaml,
#
# the same mapping reading the same records page by page over HTTP. It
# checks the output as for (a) and prints a second table: input size, the
# pages stackmap fetched (as the server counted them: 1000 records a page,
# and an empty page after a last full one), wall time, CPU time and peak
# memory of stackmap (the server's are not counted; it shares the cores),
# that memory divided by the input size, and (a)'s peak memory for the same
# size with the ratio of the two: the memory of the http source should not
# grow with the number of pages beyond the records it holds for the
# snapshot, as the file source holds them.
#
# Environment:
#   STACKMAP_BIN   the stackmap binary; unset, bin/stackmap is built
#   BENCH_SIZES    the sizes when none are given as arguments
#   BENCH_RUNS     runs per tool and size; the fastest counts (default 3
#                  up to 100 000 CIs, where one run on a shared VM varies
#                  by 15 % either way, and 1 above)
#   GOJQ_VERSION   the gojq to install (default v0.12.19)
#   GO             the go command (default go)
#
# Needs Go (the module proxy, to install gojq) and /usr/bin/time (Debian
# package time). Everything it writes goes to one temporary directory,
# removed at exit; 1 000 000 CIs take about 1.4 GB of input and over 1 GB
# of output there. A tool that would not fit in the memory available (as
# foreseen from its peak memory per input byte at the size before) is not
# run: gojq's columns then show -, and stackmap's fails the benchmark. An
# HTTP row needs the server's memory too, about the size of the input.
# Exits non-zero when a run fails or its output falls short.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
GO=${GO:-go}
GOJQ_VERSION=${GOJQ_VERSION:-v0.12.19}
RUNS=${BENCH_RUNS:-}

if [ $# -gt 0 ]; then
	SIZES=("$@")
else
	read -r -a SIZES <<<"${BENCH_SIZES:-10000 100000 1000000}"
fi
for n in "${SIZES[@]}"; do
	if ! [[ $n =~ ^[0-9]+$ ]] || [ "$n" -lt 2 ]; then
		echo "run.sh: size $n: give numbers of CIs, 2 or more" >&2
		exit 2
	fi
done
if [ -n "$RUNS" ] && { ! [[ $RUNS =~ ^[0-9]+$ ]] || [ "$RUNS" -lt 1 ]; }; then
	echo "run.sh: BENCH_RUNS=$RUNS: give a number, 1 or more" >&2
	exit 2
fi
if [ ! -x /usr/bin/time ]; then
	echo "run.sh: /usr/bin/time is missing; install it with apt-get install time" >&2
	exit 1
fi

# One temporary directory for the tools, the exports and the outputs.
W=$(mktemp -d "${TMPDIR:-/tmp}/stackmap-cmdbbench.XXXXXX")
# SERVER is the process id of a running cmdbserve, which cleanup stops.
SERVER=""
cleanup() {
	if [ -n "$SERVER" ]; then
		kill "$SERVER" 2>/dev/null || true
		wait "$SERVER" 2>/dev/null || true
	fi
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir "$W/bin"

log() { echo "run.sh: $*" >&2; }

# runs_for N prints how many times each tool runs on N CIs.
runs_for() {
	if [ -n "$RUNS" ]; then
		echo "$RUNS"
	elif [ "$1" -le 100000 ]; then
		echo 3
	else
		echo 1
	fi
}

# The tools: stackmap, the generator and the gojq CLI.
if [ -z "${STACKMAP_BIN:-}" ]; then
	log "building bin/stackmap"
	(cd "$ROOT" && CGO_ENABLED=0 "$GO" build -trimpath -o bin/stackmap ./cmd/stackmap)
	STACKMAP_BIN=$ROOT/bin/stackmap
fi
(cd "$ROOT" && "$GO" build -o "$W/bin/cmdbgen" ./bench/cmdb/cmdbgen)
(cd "$ROOT" && "$GO" build -o "$W/bin/cmdbserve" ./bench/cmdb/cmdbserve)
log "installing gojq $GOJQ_VERSION"
(cd "$W" && GOBIN="$W/bin" "$GO" install "github.com/itchyny/gojq/cmd/gojq@$GOJQ_VERSION")
GOJQ=$W/bin/gojq

# gojq gets the mapping's vars (none but dir uses ${…}, so the file's text
# is what stackmap sees) and one program over both files: the first input
# is cmdb_ci.json, the second cmdb_rel_ci.json; .result[] stands in for the
# sources' records and the rules' each.
VARS=$("$GOJQ" --yaml-input -c .vars "$HERE/cmdb.yaml")
{
	printf '(input | .result[] | (\n'
	cat "$HERE/components.jq"
	printf '\n)),\n(input | .result[] | (\n'
	cat "$HERE/relations.jq"
	printf '\n))\n'
} >"$W/cmdb-gojq.jq"

# run.sh runs to files: without a state directory run --once keeps no
# state, and so no shrink guard compares one size with the last.
unset STACKMAP_STATE_DIR

# timed OUT ERR CMD… runs CMD under /usr/bin/time -v, its stdout to OUT
# and its stderr to ERR, and sets WALL, CPU (seconds) and RSS_KB; it
# returns the command's exit status.
timed() {
	local out=$1 err=$2
	shift 2
	local status=0
	/usr/bin/time -v -o "$W/time.txt" "$@" >"$out" 2>"$err" || status=$?
	# "Elapsed (wall clock) time (h:mm:ss or m:ss): 1:02.34"
	WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ {
		n = split($NF, p, ":"); s = 0
		for (i = 1; i <= n; i++) s = s * 60 + p[i]
		printf "%.2f", s }' "$W/time.txt")
	CPU=$(awk -F': ' '/User time/ {u = $NF} /System time/ {s = $NF} END {printf "%.2f", u + s}' "$W/time.txt")
	RSS_KB=$(awk -F': ' '/Maximum resident set size/ {print $NF}' "$W/time.txt")
	return "$status"
}

# mb BYTES prints BYTES in MB, to one decimal.
mb() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1e6}'; }

# Peak memory per input byte, to foresee whether a size fits in memory: on
# a shared machine a run that does not fit would wake the OOM killer, which
# may kill anybody's process. Each is updated from the last size run;
# gojq's starts from what v0.12.19 took for 10 000 and 100 000 CIs (5.7
# and 5.1), stackmap's is unknown until its first size.
JQ_RATIO=6
SM_RATIO=""
# FILE_RSS_KB[N] is the peak memory of stackmap's file-source run of N CIs,
# for the HTTP rows to compare with.
declare -A FILE_RSS_KB=()

# fits RATIO BYTES returns whether RATIO·BYTES stays under 90% of the
# memory available now; an empty RATIO fits.
fits() {
	[ -z "$1" ] || awk -v r="$1" -v b="$2" '/^MemAvailable:/ {exit !(r * b < 0.9 * $2 * 1024)}' /proc/meminfo
}

# gb RATIO BYTES prints RATIO·BYTES in GB, and the memory available.
gb() {
	awk -v r="$1" -v b="$2" '/^MemAvailable:/ {printf "about %.1f GB, %.1f GB available", r * b / 1e9, $2 * 1024 / 1e9}' /proc/meminfo
}

# stackmap_run LABEL OUT N VAR=VALUE MAPPING runs stackmap once on
# MAPPING, with VAR set, to files in OUT, and checks that it wrote N
# components and 2·N relations; it sets SM to "wall cpu rss" and returns
# non-zero when the run failed or its output falls short.
stackmap_run() {
	local label=$1 out=$2 n=$3 var=$4 mapping=$5 got
	rm -rf "$out" && mkdir "$out" && sync
	if ! timed /dev/null "$W/stackmap.err" env "$var" \
		"$STACKMAP_BIN" run --once --output "file:$out" --hostname bench "$mapping"; then
		log "$label: stackmap failed:"
		tail -n 20 "$W/stackmap.err" >&2
		return 1
	fi
	SM="$WALL $CPU $RSS_KB"
	got=$("$GOJQ" -n -r 'reduce (inputs.topologies[]) as $t ([0, 0];
		[.[0] + ($t.components | length), .[1] + ($t.relations | length)]) | "\(.[0]) \(.[1])"' "$out"/*.json)
	rm -rf "$out"
	if [ "$got" != "$n $((2 * n))" ]; then
		log "$label: stackmap wrote $got components and relations, want $n $((2 * n))"
		return 1
	fi
}

# bench_size N generates an export of N CIs, runs both tools on it
# runs_for N times and prints the table's row; it returns non-zero when a run
# fails or its output falls short, or when stackmap would not fit in
# memory. gojq is skipped (its columns show -) when it would not fit.
bench_size() {
	local n=$1 data=$W/data-$1 out=$W/out-$1 rels=$((2 * $1)) runs
	runs=$(runs_for "$1")
	log "$n CIs: generating"
	"$W/bin/cmdbgen" -cis "$n" -out "$data" >/dev/null || return 1
	sync # the runs should not share the disk with the writeback of the export
	local input=$(($(stat -c %s "$data/cmdb_ci.json") + $(stat -c %s "$data/cmdb_rel_ci.json")))
	if ! fits "$SM_RATIO" "$input"; then
		log "$n CIs: stackmap would need $(gb "$SM_RATIO" "$input"); not run"
		return 1
	fi
	local jq_fits=1
	if ! fits "$JQ_RATIO" "$input"; then
		log "$n CIs: gojq would need $(gb "$JQ_RATIO" "$input"); skipped"
		jq_fits=0
	fi

	local run lines best_sm="" best_jq="- - -" sm jq
	for run in $(seq "$runs"); do
		# (a) stackmap, to files; then count what it wrote.
		log "$n CIs: stackmap, run $run of $runs"
		stackmap_run "$n CIs" "$out" "$n" CMDB_DIR="$data" "$HERE/cmdb.yaml" || return 1
		sm=$SM
		if [ -z "$best_sm" ] || faster "$sm" "$best_sm"; then best_sm=$sm; fi

		# (b) the gojq CLI: one compact line per component and relation.
		[ "$jq_fits" = 1 ] || continue
		log "$n CIs: gojq, run $run of $runs"
		if ! timed "$W/gojq.out" "$W/gojq.err" \
			"$GOJQ" -n -c --argjson vars "$VARS" -f "$W/cmdb-gojq.jq" "$data/cmdb_ci.json" "$data/cmdb_rel_ci.json"; then
			log "$n CIs: gojq failed:"
			tail -n 20 "$W/gojq.err" >&2
			return 1
		fi
		jq="$WALL $CPU $RSS_KB"
		lines=$(wc -l <"$W/gojq.out")
		rm -f "$W/gojq.out"
		if [ "$lines" -ne $((n + rels)) ]; then
			log "$n CIs: gojq wrote $lines elements, want $((n + rels))"
			return 1
		fi
		if [ "$best_jq" = "- - -" ] || faster "$jq" "$best_jq"; then best_jq=$jq; fi
	done

	# The fastest run of each tool counts.
	local sm_wall sm_cpu sm_rss jq_wall jq_cpu jq_rss jq_mb="-" speed="-"
	read -r sm_wall sm_cpu sm_rss <<<"$best_sm"
	read -r jq_wall jq_cpu jq_rss <<<"$best_jq"
	SM_RATIO=$(awk -v r="$sm_rss" -v i="$input" 'BEGIN {printf "%.2f", r * 1024 / i}')
	FILE_RSS_KB[$n]=$sm_rss
	if [ "$jq_rss" != "-" ]; then
		JQ_RATIO=$(awk -v r="$jq_rss" -v i="$input" 'BEGIN {printf "%.2f", r * 1024 / i}')
		jq_mb=$(mb $((jq_rss * 1024)))
		speed=$(awk -v j="$jq_wall" -v s="$sm_wall" 'BEGIN {if (s > 0) printf "%.2fx", j / s; else print "-"}')
	fi
	printf "$fmt" "$n" "$(mb "$input")" "$sm_wall" "$sm_cpu" "$(mb $((sm_rss * 1024)))" "$SM_RATIO" \
		"$jq_wall" "$jq_cpu" "$jq_mb" "$speed"
}

# faster A B: whether the run A ("WALL …") took less wall time than B.
faster() { awk -v a="${1%% *}" -v b="${2%% *}" 'BEGIN {exit !(a < b)}'; }

# start_server DIR starts cmdbserve on the export in DIR, on a free port
# of 127.0.0.1, sets SERVER and URL, and returns non-zero when it does not
# print its URL within two minutes (it reads and checks the whole export
# first).
start_server() {
	"$W/bin/cmdbserve" -dir "$1" -addr 127.0.0.1:0 >"$W/serve.out" 2>"$W/serve.err" &
	SERVER=$!
	URL=""
	local waited=0
	while [ "$waited" -lt 1200 ]; do
		URL=$(head -n 1 "$W/serve.out")
		[ -z "$URL" ] || return 0
		kill -0 "$SERVER" 2>/dev/null || break
		sleep 0.1
		waited=$((waited + 1))
	done
	log "cmdbserve did not start:"
	tail -n 20 "$W/serve.err" >&2
	stop_server
	return 1
}

# stop_server stops the cmdbserve of start_server (SIGTERM), waits for it
# and sets CI_PAGES and REL_PAGES to the pages of each table it served and
# UNAUTHORIZED to the requests it refused; all three are empty when it did
# not say.
stop_server() {
	CI_PAGES="" REL_PAGES="" UNAUTHORIZED=""
	[ -n "$SERVER" ] || return 0
	kill "$SERVER" 2>/dev/null || true
	wait "$SERVER" 2>/dev/null || true
	SERVER=""
	# "pages cmdb_ci 11 cmdb_rel_ci 21 unauthorized 0"
	read -r CI_PAGES REL_PAGES UNAUTHORIZED < <(awk '$1 == "pages" {print $3, $5, $7}' "$W/serve.out") || true
}

# http_size N generates an export of N CIs, serves it with cmdbserve, runs
# stackmap on cmdb-http.yaml runs_for N times and prints the HTTP table's row;
# it returns non-zero when a run fails, its output falls short or the
# pages are not the ones expected, or when stackmap and the server would
# not fit in memory.
http_size() {
	local n=$1 data=$W/data-$1 out=$W/out-$1 rels=$((2 * $1)) runs
	runs=$(runs_for "$1")
	log "$n CIs, http: generating"
	"$W/bin/cmdbgen" -cis "$n" -out "$data" >/dev/null || return 1
	sync # the runs should not share the disk with the writeback of the export
	local input=$(($(stat -c %s "$data/cmdb_ci.json") + $(stat -c %s "$data/cmdb_rel_ci.json")))
	# The server holds the input; stackmap is foreseen from the last HTTP
	# row, or else from the file rows.
	local ratio=${HTTP_RATIO:-$SM_RATIO}
	local need=$(awk -v r="${ratio:-0}" 'BEGIN {printf "%.2f", r + 1.1}')
	if ! fits "$need" "$input"; then
		log "$n CIs, http: stackmap and cmdbserve would need $(gb "$need" "$input"); not run"
		return 1
	fi
	log "$n CIs, http: starting cmdbserve"
	start_server "$data" || return 1

	local run best="" sm
	for run in $(seq "$runs"); do
		log "$n CIs, http: stackmap, run $run of $runs"
		if ! stackmap_run "$n CIs, http" "$out" "$n" CMDB_URL="$URL" "$HERE/cmdb-http.yaml"; then
			stop_server
			return 1
		fi
		sm=$SM
		if [ -z "$best" ] || faster "$sm" "$best"; then best=$sm; fi
	done
	stop_server
	rm -rf "$data"

	# Each run fetches every record once: ceil(records/1000) pages a
	# table, and one empty page more after a last full one.
	local ci_pages=$CI_PAGES rel_pages=$REL_PAGES
	if [ -z "$UNAUTHORIZED" ]; then
		log "$n CIs, http: cmdbserve did not report the pages it served:"
		tail -n 20 "$W/serve.err" >&2
		return 1
	fi
	if [ "$UNAUTHORIZED" != 0 ]; then
		log "$n CIs, http: cmdbserve refused $UNAUTHORIZED requests (401)"
		return 1
	fi
	local pages=$(((ci_pages + rel_pages) / runs))
	local least=$(((n + 999) / 1000 + (rels + 999) / 1000))
	if [ $((ci_pages + rel_pages)) -ne $((pages * runs)) ] || [ "$pages" -lt "$least" ] || [ "$pages" -gt $((least + 2)) ]; then
		log "$n CIs, http: cmdbserve served $ci_pages + $rel_pages pages in $runs runs, want $least to $((least + 2)) a run"
		return 1
	fi

	local wall cpu rss file_mb="-" vs="-"
	read -r wall cpu rss <<<"$best"
	HTTP_RATIO=$(awk -v r="$rss" -v i="$input" 'BEGIN {printf "%.2f", r * 1024 / i}')
	if [ -n "${FILE_RSS_KB[$n]:-}" ]; then
		file_mb=$(mb $((FILE_RSS_KB[$n] * 1024)))
		vs=$(awk -v h="$rss" -v f="${FILE_RSS_KB[$n]}" 'BEGIN {printf "%.2f", h / f}')
	fi
	printf "$hfmt" "$n" "$(mb "$input")" "$pages" "$wall" "$cpu" "$(mb $((rss * 1024)))" "$HTTP_RATIO" "$file_mb" "$vs"
}
HTTP_RATIO=""

fmt='%9s %9s | %8s %8s %8s %9s | %8s %8s %8s | %13s\n'
printf '%19s | %-36s | %-26s |\n' "" "stackmap run --once" "gojq CLI"
printf "$fmt" CIs "input MB" "wall s" "CPU s" "RSS MB" RSS/input "wall s" "CPU s" "RSS MB" gojq/stackmap
failed=0
for n in "${SIZES[@]}"; do
	bench_size "$n" || failed=1
	rm -rf "$W/data-$n" "$W/out-$n"
done

hfmt='%9s %9s %7s | %8s %8s %8s %9s | %8s %9s\n'
echo
printf '%27s | %-36s | %s\n' "" "stackmap run --once, http source" "file source"
printf "$hfmt" CIs "input MB" pages "wall s" "CPU s" "RSS MB" RSS/input "RSS MB" http/file
for n in "${SIZES[@]}"; do
	http_size "$n" || failed=1
	rm -rf "$W/data-$n" "$W/out-$n"
done

if [ "$failed" -ne 0 ]; then
	log "some runs failed"
	exit 1
fi
