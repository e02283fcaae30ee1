import { createProcessRuntime, serveProcess } from "#platform/runtime/index.js";
import { createLedgerRoutes } from "./routes.js";

const runtime = createProcessRuntime("ledger");
await serveProcess(runtime, createLedgerRoutes());
