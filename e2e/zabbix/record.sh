#!/usr/bin/env bash
# e2e/zabbix/record.sh — re-record mappings/zabbix/testdata/fixtures from a
# freshly seeded real Zabbix (start.sh), check that no secret reached the
# recording, and stop everything again. Then refresh the golden payload:
#   go test ./engine/cli -run 'TestExamplePayloads/../../mappings/zabbix/' -update
# Run from anywhere, as root, after `make build`.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
FIXTURES=$ROOT/mappings/zabbix/testdata/fixtures
[ -x "$ROOT/bin/stackmap" ] || { echo "record.sh: build bin/stackmap first (make build)" >&2; exit 1; }
WORK=$(mktemp -d /tmp/stackmap-zabbix-record-XXXXXX)
trap '"$HERE/stop.sh" "$WORK" >/dev/null; rm -rf "$WORK"' EXIT
"$HERE/start.sh" "$WORK"
set -a
# shellcheck disable=SC1091
. "$WORK/env"
set +a
cd "$ROOT"
env -i PATH="$PATH" HOME="$HOME" ZABBIX_URL="$ZABBIX_URL" ZABBIX_USER="$ZABBIX_USER" ZABBIX_PASSWORD="$ZABBIX_PASSWORD" \
	bin/stackmap preview mappings/zabbix/zabbix.yaml --record "$FIXTURES" >/dev/null
if grep -rlF -e "$ZABBIX_PASSWORD" -e "$ZABBIX_E2E_API_TOKEN" "$FIXTURES"; then
	echo "record.sh: a secret reached the recording (files above)" >&2
	exit 1
fi
if grep -rhoE '"(auth|result)": ?"[0-9a-f]{32}"|\\"(auth|result)\\":\\"[0-9a-f]{32}\\"' "$FIXTURES"; then
	echo "record.sh: a session id reached the recording" >&2
	exit 1
fi
ls "$FIXTURES"
