/**
 * The notification-consumer worker: turns identity, ledger and risk events
 * into queued notifications. Until its handler lands it idles, answering
 * health, readiness and metrics on its admin port.
 */
import { createProcessRuntime, idleUntilAborted, runWorkerProcess } from "#platform/runtime/index.js";

const runtime = createProcessRuntime("notification-consumer");
await runWorkerProcess(runtime, idleUntilAborted);
