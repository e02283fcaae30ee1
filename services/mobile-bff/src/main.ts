import { createProcessRuntime, serveProcess } from "#platform/runtime/index.js";
import { createMobileBffRoutes } from "./routes.js";

const runtime = createProcessRuntime("mobile-bff");
await serveProcess(runtime, createMobileBffRoutes());
