import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { RiskClearance } from "./domain/risk-clearance.js";
import type { InitiatorInfo } from "./events.js";
import type { RiskScreening } from "./risk/screen-movement.js";
import type { LedgerDatabase } from "./storage/ledger.table.js";

/** What the ledger's use cases depend on. */
export interface LedgerDeps {
  readonly db: Kysely<LedgerDatabase>;
  readonly logger: Logger;
  /** The current time (hold expiries, ExpireHolds' default instant). */
  readonly clock: () => Date;
  readonly config: LedgerSettings;
  /** Risk scoring of user-initiated transfers and withdrawals; absent when turned off. */
  readonly risk?: RiskScreening;
  /** Where the ledger's own metrics go (group commit sizes); none in tests that do not look. */
  readonly registry?: Registry;
}

/** The ledger's own settings (see config.ts). */
export interface LedgerSettings {
  /** How long idempotency keys replay their result. */
  readonly idempotencyRetentionMs: number;
  /** How long a request waits for an in-flight request with the same key. */
  readonly idempotencyWaitMs: number;
  /** Period of the maintenance loop (hold expiry, key sweep); 0 disables it. */
  readonly maintenanceIntervalMs: number;
  /** Most movements one group commit applies together. */
  readonly batchMax: number;
  /** Group commits in flight at once. */
  readonly batchConcurrency: number;
}

/** Who is asking, for audit columns and events. */
export interface Actor {
  /** The internal caller's service identity. */
  readonly caller: string;
  /** The user behind a user-initiated request. */
  readonly initiator?: InitiatorInfo;
  /** Risk's clearance of this movement, when it was screened. */
  readonly risk?: RiskClearance;
}
