#!/usr/bin/env bash
# Fuzzes the JSON API from openapi.yaml with schemathesis against a real
# `fanfare serve` on a fresh SQLite data directory. Fails on any 5xx (and on
# responses that break the spec's status codes or content types).
#   FANFARE_BIN   binary under test (default .build/debug/fanfare)
#   FUZZ_EXAMPLES examples per operation (default 30)
#   FUZZ_STRICT   set to also fail on statuses openapi.yaml does not list
#                 (CI sets it)
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${FANFARE_BIN:-$repo/.build/debug/fanfare}"
examples="${FUZZ_EXAMPLES:-30}"
# No 5xx and the documented content types always; with FUZZ_STRICT=1 (as
# CI runs it) also every status documented for its operation.
checks="not_a_server_error,content_type_conformance"
[ -n "${FUZZ_STRICT:-}" ] && checks="$checks,status_code_conformance"
data="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
log="$data/server.log"
cleanup() { [ -n "${pid:-}" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$data"; }
trap cleanup EXIT

export FANFARE_DATA_DIR="$data" PORT="$port" HOST=127.0.0.1 LOG_LEVEL=warning
SWIFT_BACKTRACE=enable=yes,color=no,interactive=no "$bin" serve --demo >"$data/stdout.log" 2>"$log" &
pid=$!
# /healthz answers at once; /readyz once the demo (made in the background)
# is ready and the worker runs.
for _ in $(seq 1 360); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.5
done
token="$("$bin" token create --email demo@fanfare.local --name fuzz)"

status=0
schemathesis run "http://127.0.0.1:$port/openapi.yaml" \
  --header "Authorization: Bearer $token" \
  --checks "$checks" \
  --max-examples "$examples" --seed 20261123 --no-color \
  || status=$?
if ! kill -0 "$pid" 2>/dev/null; then
  mkdir -p "$repo/Tests/api-fuzz/artifacts" && cp "$log" "$repo/Tests/api-fuzz/artifacts/server.log"
  echo "fanfare serve died during fuzzing (whole log kept in Tests/api-fuzz/artifacts/server.log); the crash:"
  grep -n -m1 -B2 -A30 -E "Fatal error|Crash|crashed|Illegal" "$log" | grep -vE "^[0-9]+-? *r[0-9a-z]+ 0x" | head -60
  echo "the requests it had answered last:"; grep -v '"level":"warning"' "$log" | head -5
  exit 1
fi
if grep -q '"level":"error"' "$log"; then
  echo "the server logged errors during fuzzing:"; grep '"level":"error"' "$log" | head -20; status=1
fi
exit $status
