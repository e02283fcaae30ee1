#!/usr/bin/env bash
# Type-checks the repository, then runs every *.test.ts with node:test through tsx.
# Test files run in parallel processes; each isolates itself (own database,
# Redis prefix and RabbitMQ names). Extra arguments go to node, e.g.
#   npm test -- --test-name-pattern="idempotency"
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find platform services scripts test -name '*.test.ts' -not -path '*/node_modules/*' 2>/dev/null | sort)
# Types first: a type error fails the run before any server is touched.
npx tsc -p tsconfig.json
if [ "${#files[@]}" -eq 0 ]; then echo "no test files found" >&2; exit 1; fi
exec node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-4}" "$@" "${files[@]}"
