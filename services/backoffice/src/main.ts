import { createProcessRuntime, serveProcess } from "#platform/runtime/index.js";
import { createBackofficeRoutes } from "./routes.js";

const runtime = createProcessRuntime("backoffice");
await serveProcess(runtime, createBackofficeRoutes());
