import type { Kysely } from "kysely";
import { createProcessRuntime, serveProcess } from "#platform/runtime/index.js";
import type { NotificationDeps } from "./context.js";
import { createNotificationRoutes } from "./routes.js";
import type { NotificationDatabase } from "./storage/notification.table.js";

const runtime = createProcessRuntime("notification");
const deps: NotificationDeps = {
  db: runtime.db as Kysely<NotificationDatabase>,
  logger: runtime.logger,
  clock: () => new Date(),
  metricsRegistry: runtime.metrics.registry,
};
await serveProcess(runtime, createNotificationRoutes(deps));
