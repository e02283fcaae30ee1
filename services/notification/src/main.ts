import { createProcessRuntime, serveProcess } from "#platform/runtime/index.js";
import { createNotificationRoutes } from "./routes.js";

const runtime = createProcessRuntime("notification");
await serveProcess(runtime, createNotificationRoutes());
