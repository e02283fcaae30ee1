/**
 * The notification-delivery worker: delivers queued email, SMS and push notifications with retries.
 * Until issue #7 brings its loop it idles, answering health, readiness and metrics on its admin port.
 */
import { createProcessRuntime, idleUntilAborted, runWorkerProcess } from "#platform/runtime/index.js";

const runtime = createProcessRuntime("notification-delivery");
await runWorkerProcess(runtime, idleUntilAborted);
