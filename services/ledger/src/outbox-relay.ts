/**
 * The ledger-outbox-relay worker: claims ledger outbox rows and publishes them to RabbitMQ.
 * Until issue #3 brings its loop it idles, answering health, readiness and metrics on its admin port.
 */
import { createProcessRuntime, idleUntilAborted, runWorkerProcess } from "#platform/runtime/index.js";

const runtime = createProcessRuntime("ledger-outbox-relay");
await runWorkerProcess(runtime, idleUntilAborted);
