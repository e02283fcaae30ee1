/**
 * Which calls change state, the one classification behind the Redis-down
 * policy of the revocation check: when the revoked-session list cannot
 * answer, reads are served on the token's signature alone (fail open) and
 * every state-changing call is refused with REVOCATION_UNAVAILABLE (fail
 * closed), since a revoked token may read for the rest of its lifetime but
 * must never act. The edge classifies by the HTTP method of the route, a
 * service by its RPC's `google.api.http` binding: one declaration, the
 * contract's, for both.
 */
import { getOption, hasOption, type DescMethod } from "@bufbuild/protobuf";
import { http } from "../../gen/google/api/annotations_pb.js";

/** HTTP methods that only read (RFC 9110 safe methods; the edge routes no OPTIONS or TRACE). */
const READ_HTTP_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD"]);

/** Whether a request by `httpMethod` (any case) changes state: anything but GET and HEAD. */
export function isStateChangingHttpMethod(httpMethod: string): boolean {
  return !READ_HTTP_METHODS.has(httpMethod.toUpperCase());
}

/**
 * Whether an RPC changes state: its `google.api.http` binding is not a GET
 * (a `custom` binding by its kind). An RPC without a binding counts as
 * changing state: none is a read by default.
 */
export function changesState(method: DescMethod): boolean {
  if (!hasOption(method, http)) return true;
  const pattern = getOption(method, http).pattern;
  if (pattern.case === undefined) return true;
  return isStateChangingHttpMethod(pattern.case === "custom" ? pattern.value.kind : pattern.case);
}
