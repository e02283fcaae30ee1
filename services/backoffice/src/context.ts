import type { Client } from "@connectrpc/connect";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { AccessTokenVerifier, RevokedSessionChecker } from "#platform/access-tokens/index.js";
import type { IdentityService } from "#gen/wallet/identity/v1/identity_service_pb.js";
import type { LedgerService } from "#gen/wallet/ledger/v1/ledger_service_pb.js";
import type { NotificationService } from "#gen/wallet/notification/v1/notification_service_pb.js";
import type { RiskService } from "#gen/wallet/risk/v1/risk_service_pb.js";
import type { BackofficeSettings } from "./config.js";
import type { BackofficeDatabase } from "./storage/backoffice.table.js";

/** What the backoffice's handlers and use cases need: its database, signed upstream clients, the token checks. */
export interface BackofficeDeps {
  readonly db: Kysely<BackofficeDatabase>;
  readonly identity: Client<typeof IdentityService>;
  readonly ledger: Client<typeof LedgerService>;
  readonly risk: Client<typeof RiskService>;
  readonly notification: Client<typeof NotificationService>;
  /** Verifies forwarded staff access tokens against identity's JWK Set. */
  readonly tokens: AccessTokenVerifier;
  /** Identity's revoked-session list. */
  readonly revokedSessions: RevokedSessionChecker;
  readonly logger: Logger;
  readonly clock: () => Date;
  readonly settings: BackofficeSettings;
}
