/**
 * After the test run (scripts/test.sh): every caller → RPC pair the services'
 * clients recorded while the tests ran (platform/clients/call-record.ts) must
 * be allowed by the committed Istio AuthorizationPolicies. A call added in
 * code without its line in the call graph is refused by the services' own
 * check in the tests that exercise it, and named here as well.
 *
 *   tsx scripts/k8s/check-recorded-calls.ts <dir>
 */
import { committedAuthorizationPolicies, judgeCalls, readRecordedCalls } from "./recorded-calls.js";

function main(dir: string | undefined): number {
  if (!dir) {
    console.error("usage: check-recorded-calls <dir>");
    return 2;
  }
  const calls = readRecordedCalls(dir);
  const { allowed, refused, outside } = judgeCalls(calls, committedAuthorizationPolicies());
  for (const call of refused) console.error(`recorded call refused by the mesh policy: ${call.caller} → ${call.procedure}: ${call.reason}`);
  const callers = new Set(allowed.map((c) => c.caller));
  console.log(
    `recorded RPC calls: ${calls.length} distinct caller → RPC pairs; ${allowed.length} allowed by istio/authorization-policies.yaml (callers: ${[...callers].sort().join(", ") || "none"}), ${refused.length} refused, ${outside.length} to services outside the mesh`,
  );
  return refused.length > 0 ? 1 : 0;
}

process.exitCode = main(process.argv[2]);
