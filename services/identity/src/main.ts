import { createProcessRuntime, serveProcess } from "#platform/runtime/index.js";
import { createIdentityRoutes } from "./routes.js";

const runtime = createProcessRuntime("identity");
await serveProcess(runtime, createIdentityRoutes());
