import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { NotificationDatabase } from "./storage/notification.table.js";

/** What the notification API's handlers depend on. */
export interface NotificationDeps {
  readonly db: Kysely<NotificationDatabase>;
  readonly logger: Logger;
  /** The current time (queued and replayed notifications). */
  readonly clock: () => Date;
  /** The process metrics registry; when given, dead-letter replays are counted on it. */
  readonly metricsRegistry?: Registry;
}
