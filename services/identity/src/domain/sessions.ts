/**
 * Session life-cycle rules: idle and absolute timeouts, and what presenting
 * a refresh token means (rotate, grace answer, reuse, or refusal).
 */
import { IdentityError } from "./identity-error.js";

/** A login session (one refresh-token family). */
export interface Session {
  readonly id: string;
  readonly userId: string;
  readonly deviceId: string;
  readonly amr: readonly string[];
  readonly authTime: Date;
  readonly createdAt: Date;
  readonly lastUsedAt: Date;
  readonly idleExpiresAt: Date;
  readonly expiresAt: Date;
  readonly ipAddress: string;
  readonly userAgent: string;
  readonly revokedAt: Date | null;
  readonly revokeReason: string | null;
}

/** Why a session was revoked (SessionRevocationReason without its prefix, lower case in storage). */
export type RevocationReason = "LOGOUT" | "USER_REVOKED" | "DEVICE_REVOKED" | "REFRESH_TOKEN_REUSE" | "PASSWORD_CHANGED" | "STAFF";

/** Session timeouts. */
export interface SessionTimeouts {
  /** A session not refreshed for this long ends. */
  readonly idleMs: number;
  /** A session ends this long after login, whatever the activity. */
  readonly absoluteMs: number;
}

/** When a session opened or refreshed at `now` ends without further activity: never past the absolute end. */
export function idleExpiry(now: Date, expiresAt: Date, timeouts: SessionTimeouts): Date {
  return new Date(Math.min(now.getTime() + timeouts.idleMs, expiresAt.getTime()));
}

/** True while the session may be used: not revoked, before both timeouts. */
export function isSessionActive(session: Session, now: Date): boolean {
  return session.revokedAt === null && now < session.idleExpiresAt && now < session.expiresAt;
}

/** Refuses a session that is not usable: SESSION_REVOKED, or SESSION_EXPIRED past either timeout. */
export function assertSessionUsable(session: Session, now: Date): void {
  if (session.revokedAt !== null) throw new IdentityError("SESSION_REVOKED", "the session was revoked; log in again");
  if (now >= session.expiresAt || now >= session.idleExpiresAt) {
    throw new IdentityError("SESSION_EXPIRED", "the session expired; log in again");
  }
}

/** A stored refresh token, as far as the rotation decision needs it. */
export interface RefreshTokenState {
  readonly rotatedAt: Date | null;
  /** True when the successor is still the session's current (unrotated) token. */
  readonly successorIsCurrent: boolean;
}

/** What to do with a presented refresh token. */
export type RefreshDecision = "rotate" | "answer-successor-again" | "reuse-detected";

/**
 * The decision for a presented, known refresh token of a usable session:
 * an unrotated token rotates; a token rotated at most `graceMs` ago whose
 * successor is still current answers that successor again (two concurrent
 * refreshes by one client both succeed with the same pair); anything else is
 * reuse of a rotated token (RFC 9700 §4.14.2): the session must be revoked.
 */
export function decideRefresh(token: RefreshTokenState, now: Date, graceMs: number): RefreshDecision {
  if (token.rotatedAt === null) return "rotate";
  const age = now.getTime() - token.rotatedAt.getTime();
  if (age <= graceMs && token.successorIsCurrent) return "answer-successor-again";
  return "reuse-detected";
}
