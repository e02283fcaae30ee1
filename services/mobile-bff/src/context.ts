import type { Client } from "@connectrpc/connect";
import type { Logger } from "pino";
import type { AccessTokenVerifier, RevokedSessionChecker } from "#platform/access-tokens/index.js";
import type { IdentityService } from "#gen/wallet/identity/v1/identity_service_pb.js";
import type { LedgerService } from "#gen/wallet/ledger/v1/ledger_service_pb.js";
import type { NotificationService } from "#gen/wallet/notification/v1/notification_service_pb.js";
import type { OnboardingMemory } from "./storage/onboarding-memory.js";

/** Identity, ledger and notification clients: signed, with a default deadline. */
export interface Upstreams {
  readonly identity: Client<typeof IdentityService>;
  readonly ledger: Client<typeof LedgerService>;
  readonly notification: Client<typeof NotificationService>;
}

/** What the BFF's use cases depend on. */
export interface MobileBffDeps extends Upstreams {
  readonly logger: Logger;
  /** The current time (balance `as_of`, `server_time`). */
  readonly clock: () => Date;
  readonly config: BffSettings;
  /** Verifies the forwarded access token for the facts the ledger's risk context needs. */
  readonly tokens: AccessTokenVerifier;
  /** Identity's revoked-session list: a forwarded token of an ended session is refused. */
  readonly revokedSessions: RevokedSessionChecker;
  /** Onboard's currency, kept for Bootstrap when Onboard could not open the account. */
  readonly onboarding: OnboardingMemory;
}

/** The BFF's own settings (see config.ts). */
export interface BffSettings {
  /** Deadline of one upstream call. */
  readonly upstreamTimeoutMs: number;
  /** Feature flags Bootstrap answers. */
  readonly featureFlags: Readonly<Record<string, boolean>>;
  /** Currency of the first account when Onboard's choice is unknown. */
  readonly defaultCurrency: string;
  /** How long Onboard's currency is remembered. */
  readonly onboardingMemoryMs: number;
}
