/**
 * What identity events mean for risk: a device seen at login or registration
 * counts as seen from then on (the new-device rule), and a session revoked
 * because a rotated refresh token came back is treated as possible token theft.
 */
import type { NewAlert } from "./alert.js";

/** Why a session ended early (SessionRevocationReason without its prefix). */
export type SessionRevocationReason =
  | "UNSPECIFIED"
  | "LOGOUT"
  | "USER_REVOKED"
  | "DEVICE_REVOKED"
  | "REFRESH_TOKEN_REUSE"
  | "PASSWORD_CHANGED"
  | "STAFF";

/** A device identity saw for a user. */
export interface DeviceSighting {
  readonly kind: "DEVICE_SEEN";
  readonly deviceId: string;
  /** When identity saw it; absent when the event does not say. */
  readonly seenAt?: Date;
}

/** A session identity revoked. */
export interface SessionRevocation {
  readonly kind: "SESSION_REVOKED";
  readonly userId: string;
  readonly sessionId: string;
  readonly deviceId: string;
  readonly reason: SessionRevocationReason;
}

/** The identity events risk acts on. */
export type IdentityFact = DeviceSighting | SessionRevocation;

/**
 * The alert a revoked session raises, if any: refresh-token reuse (RFC 9700
 * reuse detection) means someone else may hold the user's tokens, a HIGH
 * alert about the user; other reasons are ordinary and raise none.
 */
export function alertForSessionRevoked(revocation: SessionRevocation, sourceEventId: string): NewAlert | undefined {
  if (revocation.reason !== "REFRESH_TOKEN_REUSE") return undefined;
  const device = revocation.deviceId ? ` on device ${revocation.deviceId}` : "";
  return {
    kind: "REFRESH_TOKEN_REUSE",
    severity: "HIGH",
    title: `Refresh token reused for session ${revocation.sessionId}${device}: possible token theft`,
    userId: revocation.userId,
    accountId: "",
    transactionId: "",
    ruleIds: [],
    sourceEventId,
  };
}
