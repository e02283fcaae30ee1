/**
 * Test instrumentation: while the test run sets WALLET_RPC_CALL_RECORD_DIR
 * (scripts/test.sh does), every client made by `createServiceClient` records
 * each distinct caller → RPC pair it calls, one JSON line in
 * `<dir>/<pid>.jsonl`, so that after the run the calls the processes really
 * made can be held against the generated mesh policy
 * (scripts/k8s/check-recorded-calls.ts). The variable is read once, here: it
 * is no setting of the process, and nothing is recorded without it.
 */
import { appendFileSync } from "node:fs";
import path from "node:path";
import type { Interceptor } from "@connectrpc/connect";
import { InternalAuthHeader } from "../internal-auth/headers.js";

/** The variable naming the folder; unset outside the test run. */
export const CALL_RECORD_DIR_VARIABLE = "WALLET_RPC_CALL_RECORD_DIR";

/** One recorded call: the caller id the request carries and its `/pkg.Service/Method`. */
export interface RecordedCall {
  readonly caller: string;
  readonly procedure: string;
}

const folder = process.env[CALL_RECORD_DIR_VARIABLE];
const seen = new Set<string>();

/**
 * An interceptor recording the caller and procedure of each call into `dir`,
 * once per distinct pair; put it after internal auth, which sets the caller.
 * Calls without a caller id (unsigned test clients) are not recorded.
 */
export function createCallRecorder(dir: string): Interceptor {
  const file = path.join(dir, `${process.pid}.jsonl`);
  return (next) => async (req) => {
    const caller = req.header.get(InternalAuthHeader.caller);
    if (caller) {
      const call: RecordedCall = { caller, procedure: `/${req.service.typeName}/${req.method.name}` };
      const key = `${call.caller} ${call.procedure}`;
      if (!seen.has(key)) {
        seen.add(key);
        appendFileSync(file, `${JSON.stringify(call)}\n`);
      }
    }
    return next(req);
  };
}

/** The recorder of this process when the test run asked for one. */
export const callRecorder: Interceptor | undefined = folder ? createCallRecorder(folder) : undefined;
