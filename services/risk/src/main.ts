import { createProcessRuntime, serveProcess } from "#platform/runtime/index.js";
import { createRiskRoutes } from "./routes.js";

const runtime = createProcessRuntime("risk");
await serveProcess(runtime, createRiskRoutes());
