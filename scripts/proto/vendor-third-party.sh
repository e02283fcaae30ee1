#!/usr/bin/env bash
# Copies the third-party .proto files our contracts import from their npm packages
# into proto/third_party/, keeping each file's licence header. The buf registry is
# unreachable from our machines, so npm is where these files come from.
# Run after upgrading google-proto-files, grpc-health-check or @grpc/reflection.
set -euo pipefail
cd "$(dirname "$0")/../.."
dest=proto/third_party
copy() { mkdir -p "$dest/$(dirname "$2")"; cp "node_modules/$1" "$dest/$2"; }
copy google-proto-files/google/api/annotations.proto google/api/annotations.proto
copy google-proto-files/google/api/http.proto google/api/http.proto
copy google-proto-files/google/api/field_behavior.proto google/api/field_behavior.proto
copy google-proto-files/google/rpc/error_details.proto google/rpc/error_details.proto
copy google-proto-files/google/rpc/status.proto google/rpc/status.proto
copy grpc-health-check/proto/health/v1/health.proto grpc/health/v1/health.proto
copy @grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto grpc/reflection/v1/reflection.proto
copy @grpc/reflection/build/proto/grpc/reflection/v1alpha/reflection.proto grpc/reflection/v1alpha/reflection.proto
echo "vendored into $dest"
