/**
 * Sessions and refresh-token rotation.
 *
 * A session is one refresh-token family. Refresh tokens are 256 random bits,
 * stored as sha256 only, and rotated on every use. Presenting a rotated token
 * revokes the whole session (RFC 9700 §4.14.2) except in the grace period:
 * within IDENTITY_REFRESH_GRACE (5 s) of the rotation, and while the
 * successor is still the session's current token, the same successor refresh
 * token is answered again (decrypted from the rotated row, where it is kept
 * AES-GCM-encrypted) with a freshly signed access token, so two concurrent
 * refreshes by one app both succeed and agree on one token. Rotation locks
 * the presented token's row, so concurrent refreshes are serialised.
 */
import type { Transaction } from "kysely";
import { create } from "@bufbuild/protobuf";
import { LoginFromNewDeviceSchema } from "#gen/wallet/events/v1/identity_events_pb.js";
import type { IdentityDeps } from "./context.js";
import { digest, randomToken } from "./crypto/secrets.js";
import { IdentityError } from "./domain/identity-error.js";
import { tokenRoles } from "./domain/roles.js";
import { assertSessionUsable, decideRefresh, idleExpiry, type RevocationReason, type Session } from "./domain/sessions.js";
import type { ClientInfo, DeviceInput, User } from "./domain/users.js";
import { deviceRegisteredEvent, event, platformPb, publish, sessionRevokedEvents, ts } from "./events.js";
import type { IdentityDatabase } from "./storage/identity.table.js";
import { recordDevice, touchDevice } from "./storage/devices.repository.js";
import { findTotp } from "./storage/mfa.repository.js";
import {
  findRefreshToken,
  forgetSuccessors,
  insertRefreshToken,
  insertSession,
  lockRefreshToken,
  lockSession,
  markRotated,
  revokeSessions,
  touchSession,
  type RevokeFilter,
} from "./storage/sessions.repository.js";
import { findUser, updateUser } from "./storage/users.repository.js";

type Trx = Transaction<IdentityDatabase>;

/** Tokens handed to a client. */
export interface TokenPairResult {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiresIn: number;
  readonly sessionId: string;
  readonly sessionExpiresAt: Date;
}

/** Context string binding an encrypted successor token to its session. */
const successorAad = (sessionId: string) => `refresh-successor:${sessionId}`;

/** Signs an access token for a session of a user. */
export async function accessTokenFor(deps: IdentityDeps, user: User, session: Pick<Session, "id" | "deviceId" | "amr" | "authTime">) {
  const totp = await findTotp(deps.db, user.id);
  return deps.tokens.issueAccessToken({
    userId: user.id,
    sessionId: session.id,
    deviceId: session.deviceId,
    amr: session.amr,
    authTime: session.authTime,
    roles: tokenRoles(user, totp?.confirmedAt != null, session.amr),
  });
}

/**
 * Opens a session after a completed login (password, and the second factor
 * when enrolled): registers the device (events for a new device or push
 * token), stores the first refresh token, records the login time.
 */
export async function openSession(
  deps: IdentityDeps,
  trx: Trx,
  user: User,
  device: DeviceInput,
  client: ClientInfo,
  amr: readonly string[],
): Promise<TokenPairResult> {
  const now = deps.clock();
  const expiresAt = new Date(now.getTime() + deps.config.session.absoluteMs);
  const seen = await recordDevice(trx, user.id, device, now);
  const session = await insertSession(trx, {
    userId: user.id,
    deviceId: device.deviceId,
    amr,
    now,
    idleExpiresAt: idleExpiry(now, expiresAt, deps.config.session),
    expiresAt,
    ipAddress: client.ipAddress,
    userAgent: client.userAgent,
  });
  const refreshToken = randomToken();
  await insertRefreshToken(trx, session.id, digest(refreshToken), now);
  await updateUser(trx, user.id, { lastLoginAt: now });
  const events = [];
  if (seen.isNew) {
    events.push(
      event("user", user.id, {
        case: "loginFromNewDevice",
        value: create(LoginFromNewDeviceSchema, {
          userId: user.id,
          sessionId: session.id,
          deviceId: device.deviceId,
          deviceName: device.name,
          platform: platformPb(device.platform),
          ipAddress: client.ipAddress,
          userAgent: client.userAgent.slice(0, 256),
          loggedInAt: ts(now),
        }),
      }),
    );
  }
  if (seen.isNew || seen.pushTokenChanged) events.push(deviceRegisteredEvent(seen.device));
  await publish(trx, events);
  const access = await accessTokenFor(deps, user, session);
  return { accessToken: access.token, refreshToken, expiresIn: access.expiresIn, sessionId: session.id, sessionExpiresAt: session.expiresAt };
}

/**
 * THE way a session ends (logout, a session or device revoked, refresh-token
 * reuse, a password change or recovery, a staff lock or role removal):
 * revokes the matching sessions with their SessionRevoked events, then lists
 * them in the revoked-session list the edge and the BFF check, so their
 * access tokens are refused on every route, not only identity's. The list is
 * written inside `trx`, before it commits: if Redis cannot take it the
 * revocation rolls back and the call fails with RevocationUnavailableError
 * (Unavailable, retry), never answering "ended" while the tokens still pass;
 * a commit failing after the write only lists a session early. Answers how many.
 */
export async function revokeWithEvents(deps: IdentityDeps, trx: Trx, filter: RevokeFilter, reason: RevocationReason): Promise<number> {
  const revoked = await revokeSessions(trx, filter, reason, deps.clock());
  const ids = revoked.map((s) => s.id);
  await forgetSuccessors(trx, ids);
  await publish(trx, sessionRevokedEvents(revoked, reason));
  await deps.revokedSessions.record(ids, reason);
  return revoked.length;
}

type RefreshOutcome = { ok: TokenPairResult } | { refused: IdentityError };

/**
 * Exchanges a refresh token for a new pair (see the module comment).
 * Errors: REFRESH_TOKEN_INVALID, REFRESH_TOKEN_REUSED (the session is
 * revoked first), SESSION_EXPIRED, SESSION_REVOKED, ACCOUNT_SUSPENDED.
 */
export async function refreshTokens(deps: IdentityDeps, presented: string, client: ClientInfo): Promise<TokenPairResult> {
  const hash = digest(presented);
  const outcome = await deps.db.transaction().execute(async (trx): Promise<RefreshOutcome> => {
    const token = await lockRefreshToken(trx, hash);
    if (!token) return { refused: new IdentityError("REFRESH_TOKEN_INVALID", "the refresh token is unknown") };
    const session = (await lockSession(trx, token.sessionId))!;
    const now = deps.clock();
    assertSessionUsable(session, now);
    const user = await findUser(trx, session.userId);
    if (!user || user.status !== "ACTIVE") throw new IdentityError("ACCOUNT_SUSPENDED", "the account is locked");

    let successorIsCurrent = false;
    if (token.rotatedAt && token.successorHash) {
      const successor = await findRefreshToken(trx, token.successorHash);
      successorIsCurrent = successor !== undefined && successor.rotatedAt === null;
    }
    const decision = decideRefresh({ rotatedAt: token.rotatedAt, successorIsCurrent }, now, deps.config.refreshGraceMs);
    if (decision === "reuse-detected") {
      await revokeWithEvents(deps, trx, { userId: session.userId, sessionId: session.id }, "REFRESH_TOKEN_REUSE");
      return { refused: new IdentityError("REFRESH_TOKEN_REUSED", "the refresh token was already used; the session is revoked") };
    }
    let refreshToken: string;
    if (decision === "answer-successor-again") {
      if (!token.successorCiphertext) return { refused: new IdentityError("REFRESH_TOKEN_INVALID", "the refresh token is unknown") };
      refreshToken = deps.box.open(token.successorCiphertext, successorAad(session.id)).toString("utf8");
    } else {
      refreshToken = randomToken();
      const successorHash = digest(refreshToken);
      await insertRefreshToken(trx, session.id, successorHash, now);
      await markRotated(trx, hash, now, successorHash, deps.box.seal(Buffer.from(refreshToken, "utf8"), successorAad(session.id)));
    }
    const touched = await touchSession(trx, session.id, now, idleExpiry(now, session.expiresAt, deps.config.session), client.ipAddress);
    await touchDevice(trx, session.userId, session.deviceId, now);
    const access = await accessTokenFor(deps, user, touched);
    return { ok: { accessToken: access.token, refreshToken, expiresIn: access.expiresIn, sessionId: session.id, sessionExpiresAt: session.expiresAt } };
  });
  if ("refused" in outcome) throw outcome.refused;
  return outcome.ok;
}

/** Ends the session of a refresh token; silent for unknown tokens and ended sessions. */
export async function logout(deps: IdentityDeps, presented: string): Promise<void> {
  const token = await findRefreshToken(deps.db, digest(presented));
  if (!token) return;
  await deps.db.transaction().execute(async (trx) => {
    const session = await lockSession(trx, token.sessionId);
    if (!session) return;
    await revokeWithEvents(deps, trx, { userId: session.userId, sessionId: session.id }, "LOGOUT");
  });
}
