/**
 * The audit-export worker: exports the backoffice audit log to a SIEM webhook in HMAC-signed batches.
 * Until a later issue brings its loop it idles, answering health, readiness and metrics on its admin port.
 */
import { createProcessRuntime, idleUntilAborted, runWorkerProcess } from "#platform/runtime/index.js";

const runtime = createProcessRuntime("audit-export");
await runWorkerProcess(runtime, idleUntilAborted);
