#!/usr/bin/env bash
# Checks proto/wallet/ for breaking changes against the released contracts
# image (proto/released/wallet.binpb, written by `npm run proto:baseline`),
# with the breaking rules buf.yaml configures for the `proto` module (FILE).
# Exits non-zero and lists each break (file:line:column: message) on failure.
#
#   npm run proto:breaking                  # this checkout
#   bash scripts/proto/breaking.sh DIR      # a copy of the repository (tests)
#
# Why images on both sides: buf.yaml is a two-module workspace (our contracts
# plus the vendored third_party), which buf cannot compare directly against a
# single image. So the current contracts are built into an image the same way
# as the baseline, imports are left out of the comparison, and the rules are
# read from buf.yaml (`buf config ls-breaking-rules`) and passed explicitly,
# since buf applies no module configuration to image inputs.
set -euo pipefail
tools_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
repo="$(cd "${1:-$tools_root}" && pwd)"
buf="$tools_root/node_modules/.bin/buf"
[ -x "$buf" ] || buf=buf
baseline="proto/released/wallet.binpb"

cd "$repo"
if [ ! -f "$baseline" ]; then
  echo "No baseline at $repo/$baseline: run \`npm run proto:baseline\` once and commit it." >&2
  exit 2
fi

rules="$("$buf" config ls-breaking-rules --configured-only --module-path proto --format json \
  | sed -n 's/^{"id":"\([A-Z0-9_]*\)".*/"\1"/p' | paste -sd, -)"
if [ -z "$rules" ]; then
  echo "buf.yaml configures no breaking rules for the proto module" >&2
  exit 2
fi
config="{\"version\":\"v2\",\"breaking\":{\"use\":[$rules]}}"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/wallet-breaking.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
"$buf" build --path proto/wallet --output "$tmp/current.binpb"

if "$buf" breaking "$tmp/current.binpb" --against "$baseline" --exclude-imports --config "$config"; then
  echo "No breaking changes against $baseline."
else
  status=$?
  cat >&2 <<MSG
Breaking changes against the released contracts ($baseline), listed above.
Released clients depend on them: add a field or an RPC instead, or publish a
new package version (wallet.<svc>.v2). Only when a break has been agreed, move
the baseline with \`npm run proto:baseline\` and commit it.
MSG
  exit "$status"
fi
