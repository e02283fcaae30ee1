/**
 * The risk-consumer worker: consumes ledger and identity events, once each, with dead letters and replay.
 * Until issue #6 brings its loop it idles, answering health, readiness and metrics on its admin port.
 */
import { createProcessRuntime, idleUntilAborted, runWorkerProcess } from "#platform/runtime/index.js";

const runtime = createProcessRuntime("risk-consumer");
await runWorkerProcess(runtime, idleUntilAborted);
