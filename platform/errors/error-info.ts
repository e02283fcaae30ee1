import { create } from "@bufbuild/protobuf";
import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";

/**
 * A `google.rpc.ErrorInfo` error detail for a `ConnectError`: the
 * machine-readable reason (an enum value name of the service's error-reason
 * enum, without its prefix), the service's error domain, and metadata naming
 * the account, field or key concerned.
 */
export function errorInfoDetail(reason: string, domain: string, metadata: Readonly<Record<string, string>> = {}) {
  return { desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason, domain, metadata: { ...metadata } }) };
}
