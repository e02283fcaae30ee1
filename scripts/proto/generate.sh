#!/usr/bin/env bash
# Regenerates gen/ from proto/ with protoc-gen-es v2 (a local plugin from node_modules/.bin).
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PWD/node_modules/.bin:$PATH"
buf generate
