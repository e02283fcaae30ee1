#!/usr/bin/env bash
# Type-checks the repository, then runs every *.test.ts with node:test through tsx.
# Test files run in parallel processes; each isolates itself (own database,
# Redis prefix and RabbitMQ names). Extra arguments go to node, e.g.
#   npm test -- --test-name-pattern="idempotency"
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find platform services scripts test -name '*.test.ts' -not -path '*/node_modules/*' 2>/dev/null | sort)
# Node 22 (package.json engines): through npm, node_modules/.bin/node (the `node` dev dependency) comes first on PATH.
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 22 ]; then echo "npm test needs Node 22 or later, found $(node --version): run it as npm test (after npm ci)" >&2; exit 1; fi
echo "testing on Node $(node --version)"
# Types first: a type error fails the run before any server is touched.
npx tsc -p tsconfig.json
if [ "${#files[@]}" -eq 0 ]; then echo "no test files found" >&2; exit 1; fi
# The services' clients record each caller → RPC pair they call (platform/clients/call-record.ts);
# once every test has run, the generated mesh policy must allow each one.
calls_dir="$(mktemp -d)"
trap 'rm -rf "$calls_dir"' EXIT
status=0
WALLET_RPC_CALL_RECORD_DIR="$calls_dir" node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-4}" "$@" "${files[@]}" || status=$?
node --import tsx scripts/k8s/check-recorded-calls.ts "$calls_dir" || status=$?
exit "$status"
