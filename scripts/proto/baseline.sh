#!/usr/bin/env bash
# Moves the breaking-change baseline: writes the released contracts image
# (proto/released/wallet.binpb) from the current proto/wallet/ files.
#
# Run it deliberately, when a release is cut or a break has been agreed; the
# change to the .binpb then shows up in review like any other file.
#
#   npm run proto:baseline                  # this checkout
#   bash scripts/proto/baseline.sh DIR      # a copy of the repository (tests)
#
# The image holds only our files (proto/wallet/**) as targets; the vendored
# third_party module and the well-known types ride along as imports so the
# image stays self-contained. Source info is left out: comment edits do not
# move the baseline, and the bytes are deterministic.
set -euo pipefail
tools_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
repo="$(cd "${1:-$tools_root}" && pwd)"
buf="$tools_root/node_modules/.bin/buf"
[ -x "$buf" ] || buf=buf
baseline="proto/released/wallet.binpb"

cd "$repo"
if [ -f "$baseline" ]; then
  echo "Changes the new baseline accepts (empty when none are breaking):"
  bash "$tools_root/scripts/proto/breaking.sh" "$repo" 2>/dev/null || true
fi
mkdir -p "$(dirname "$baseline")"
tmp="$(mktemp "${TMPDIR:-/tmp}/wallet-baseline.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
"$buf" build --path proto/wallet --exclude-source-info --output "$tmp#format=binpb"
chmod 644 "$tmp"
mv "$tmp" "$baseline"
trap - EXIT
echo "Wrote $baseline ($(wc -c < "$baseline") bytes) from $(find proto/wallet -name '*.proto' | wc -l) files under proto/wallet/."
