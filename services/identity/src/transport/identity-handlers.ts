import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { StaffRole } from "#platform/access-tokens/claims.js";
import { PageResponseSchema } from "#gen/wallet/common/v1/pagination_pb.js";
import { IdentityService } from "#gen/wallet/identity/v1/identity_service_pb.js";
import { JwkSchema, MfaChallengeSchema, MfaMethod, TokenClaimsSchema, TokenType } from "#gen/wallet/identity/v1/token_pb.js";
import { UserKind, UserStatus } from "#gen/wallet/identity/v1/user_pb.js";
import {
  changePassword,
  completeAccountRecovery,
  requestAccountRecovery,
  resendVerificationEmail,
  signUp,
  verifyEmail,
} from "../accounts.service.js";
import type { IdentityDeps } from "../context.js";
import { revokeDevice, trustOwnDevice } from "../devices.service.js";
import { looseEmail, normalizePhone } from "../domain/contact.js";
import { IdentityError, invalidField } from "../domain/identity-error.js";
import { isSessionActive } from "../domain/sessions.js";
import type { User } from "../domain/users.js";
import { completeMfaChallenge, login } from "../login.service.js";
import { beginTotpEnrollment, confirmTotpEnrollment, disableTotp, regenerateRecoveryCodes, stepUp, type SecondFactor } from "../mfa.service.js";
import { logout, refreshTokens, revokeWithEvents } from "../sessions.service.js";
import {
  createFirstAdmin,
  createStaffUser,
  lockUserAccount,
  resetUserMfa,
  revokeUserSessions,
  setStaffRoles,
  unlockUserAccount,
} from "../staff.service.js";
import { listDevices } from "../storage/devices.repository.js";
import { countRecoveryCodes, findTotp } from "../storage/mfa.repository.js";
import { findSession, listActiveSessions } from "../storage/sessions.repository.js";
import { findActiveCustomer, findUser, searchUsers, userNotFound } from "../storage/users.repository.js";
import { mapErrors } from "#platform/errors/index.js";
import { toConnectError } from "./connect-errors.js";
import { authenticateSelf, clientInfo } from "./request-context.js";
import { devicePb, parseDevice, parseRole, rolePb, sessionPb, tokenPairPb, userPb } from "./to-proto.js";

/** Largest and default page of searches and lists. */
const MAX_PAGE = 200;
const DEFAULT_PAGE = 50;

/** A required text field, trimmed; `max` bounds its length. */
function required(value: string, field: string, max = 1024): string {
  const text = value.trim();
  if (text === "") throw invalidField(field, "is required");
  if (text.length > max) throw invalidField(field, `is longer than ${max} characters`);
  return text;
}

/** The factor of a request's oneof. */
function factorOf(factor: { case: "totpCode" | "recoveryCode"; value: string } | { case: undefined; value?: undefined }): SecondFactor {
  if (factor.case === "totpCode") return { kind: "totp", code: factor.value };
  if (factor.case === "recoveryCode") return { kind: "recovery", code: factor.value };
  throw invalidField("factor", "a totp_code or a recovery_code is required");
}

/** Page bounds from a PageRequest: the token is the offset. */
function pageOf(page: { pageSize: number; pageToken: string } | undefined): { offset: number; limit: number } {
  const limit = Math.min(Math.max(page?.pageSize || DEFAULT_PAGE, 1), MAX_PAGE);
  const offset = page?.pageToken ? Number(Buffer.from(page.pageToken, "base64url").toString("utf8")) : 0;
  if (!Number.isSafeInteger(offset) || offset < 0) throw invalidField("page.page_token", "is not a token this list returned");
  return { offset, limit };
}

/**
 * The IdentityService implementation: validates requests, authenticates the
 * end user of self-service RPCs from their access token, calls the use cases
 * and converts results. Refusals become gRPC errors in `mapErrors`.
 */
export function createIdentityHandlers(deps: IdentityDeps): ServiceImpl<typeof IdentityService> {
  const { db } = deps;

  const mfaFacts = async (userId: string) => {
    const totp = await findTotp(db, userId);
    return { totpEnrolledAt: totp?.confirmedAt ?? null, recoveryCodesRemaining: totp?.confirmedAt ? await countRecoveryCodes(db, userId) : 0 };
  };
  const userMessage = async (user: User) => userPb(user, await mfaFacts(user.id));
  const devicesOf = async (userId: string, currentDeviceId: string, now: Date) => {
    const [devices, sessions] = await Promise.all([listDevices(db, userId), listActiveSessions(db, userId, now)]);
    return devices.map((d) => devicePb(d, currentDeviceId, sessions.filter((s) => s.deviceId === d.deviceId).length));
  };
  const sessionsOf = async (userId: string, currentSessionId: string, now: Date) => {
    const [devices, sessions] = await Promise.all([listDevices(db, userId), listActiveSessions(db, userId, now)]);
    const names = new Map(devices.map((d) => [d.deviceId, d.name]));
    return sessions.map((s) => sessionPb(s, currentSessionId, names.get(s.deviceId) ?? ""));
  };
  const existingUser = async (id: string) => {
    const user = await findUser(db, required(id, "user_id"));
    if (!user) throw userNotFound(id);
    return user;
  };
  const self = (ctx: HandlerContext) => authenticateSelf(deps, ctx);

  const impl: ServiceImpl<typeof IdentityService> = {
    async signUp(req) {
      const user = await signUp(deps, {
        email: required(req.email, "email", 320),
        phone: req.phone,
        password: req.password,
        displayName: req.displayName.slice(0, 200),
        locale: req.locale.slice(0, 35),
        device: parseDevice(req.device, false),
      });
      return { userId: user.id };
    },

    async verifyEmail(req) {
      return { email: await verifyEmail(deps, required(req.token, "token")) };
    },

    async resendVerificationEmail(req) {
      await resendVerificationEmail(deps, req.email);
      return {};
    },

    async login(req, ctx) {
      const result = await login(deps, { email: req.email, password: req.password, device: parseDevice(req.device, true)!, client: clientInfo(ctx) });
      if (result.kind === "tokens") return { result: { case: "tokens", value: tokenPairPb(result.tokens) } };
      return {
        result: {
          case: "mfaChallenge",
          value: create(MfaChallengeSchema, {
            challengeToken: result.challengeToken,
            expiresAt: timestampFromDate(result.expiresAt),
            methods: [MfaMethod.TOTP, MfaMethod.RECOVERY_CODE],
          }),
        },
      };
    },

    async completeMfaChallenge(req, ctx) {
      const result = await completeMfaChallenge(deps, {
        challengeToken: required(req.challengeToken, "challenge_token", 4096),
        factor: factorOf(req.factor),
        client: clientInfo(ctx),
      });
      return { tokens: tokenPairPb(result.tokens), recoveryCodesRemaining: result.recoveryCodesRemaining ?? 0 };
    },

    async refreshTokens(req, ctx) {
      return { tokens: tokenPairPb(await refreshTokens(deps, required(req.refreshToken, "refresh_token"), clientInfo(ctx))) };
    },

    async logout(req) {
      if (req.refreshToken !== "") await logout(deps, req.refreshToken);
      return {};
    },

    async getJwks() {
      return { keys: (await deps.keys.jwks()).map((k) => create(JwkSchema, k)) };
    },

    async requestAccountRecovery(req, ctx) {
      await requestAccountRecovery(deps, req.email, clientInfo(ctx));
      return {};
    },

    async completeAccountRecovery(req) {
      await completeAccountRecovery(deps, required(req.token, "token"), req.newPassword);
      return {};
    },

    async getCurrentUser(_req, ctx) {
      const caller = await self(ctx);
      return { user: await userMessage(await existingUser(caller.userId)) };
    },

    async changePassword(req, ctx) {
      const caller = await self(ctx);
      return { revokedSessions: await changePassword(deps, caller, req.currentPassword, req.newPassword) };
    },

    async beginTotpEnrollment(_req, ctx) {
      const result = await beginTotpEnrollment(deps, await self(ctx));
      return { secret: result.secret, otpauthUri: result.uri, expiresAt: timestampFromDate(result.expiresAt) };
    },

    async confirmTotpEnrollment(req, ctx) {
      return { recoveryCodes: await confirmTotpEnrollment(deps, await self(ctx), required(req.totpCode, "totp_code", 16)) };
    },

    async disableTotp(_req, ctx) {
      await disableTotp(deps, await self(ctx));
      return {};
    },

    async regenerateRecoveryCodes(_req, ctx) {
      return { recoveryCodes: await regenerateRecoveryCodes(deps, await self(ctx)) };
    },

    async stepUp(req, ctx) {
      const caller = await self(ctx);
      const result = await stepUp(deps, caller, factorOf(req.factor), clientInfo(ctx).ipAddress);
      return { accessToken: result.accessToken, expiresIn: result.expiresIn, tokenType: "Bearer", authTime: timestampFromDate(result.authTime) };
    },

    async listDevices(_req, ctx) {
      const caller = await self(ctx);
      return { devices: await devicesOf(caller.userId, caller.deviceId, deps.clock()) };
    },

    async revokeDevice(req, ctx) {
      const caller = await self(ctx);
      return { revokedSessions: await revokeDevice(deps, caller, required(req.deviceId, "device_id", 512)) };
    },

    async trustDevice(req, ctx) {
      const caller = await self(ctx);
      const device = await trustOwnDevice(deps, caller, required(req.deviceId, "device_id", 512));
      const sessions = await listActiveSessions(db, caller.userId, deps.clock());
      return { device: devicePb(device, caller.deviceId, sessions.filter((s) => s.deviceId === device.deviceId).length) };
    },

    async listSessions(_req, ctx) {
      const caller = await self(ctx);
      return { sessions: await sessionsOf(caller.userId, caller.sessionId, deps.clock()) };
    },

    async revokeSession(req, ctx) {
      const caller = await self(ctx);
      const id = required(req.sessionId, "session_id", 64);
      const session = await findSession(db, id);
      if (!session || session.userId !== caller.userId || !isSessionActive(session, deps.clock())) {
        throw new IdentityError("SESSION_NOT_FOUND", `no session ${id}`, { session_id: id });
      }
      const reason = session.id === caller.sessionId ? "LOGOUT" : "USER_REVOKED";
      await db.transaction().execute((trx) => revokeWithEvents(deps, trx, { userId: caller.userId, sessionId: id }, reason));
      return {};
    },

    async introspectToken(req) {
      const claims = req.token ? await deps.tokens.verifyAccessToken(req.token) : undefined;
      if (!claims) return { active: false };
      const [session, user] = await Promise.all([findSession(db, claims.sid), findUser(db, claims.sub)]);
      if (!session || session.userId !== claims.sub || !isSessionActive(session, deps.clock()) || !user || user.status !== "ACTIVE") return { active: false };
      return {
        active: true,
        claims: create(TokenClaimsSchema, {
          sub: claims.sub,
          sid: claims.sid,
          deviceId: claims.device_id ?? "",
          amr: claims.amr,
          authTime: timestampFromDate(new Date(claims.auth_time * 1000)),
          roles: (claims.roles ?? []).map(rolePb),
          issuedAt: timestampFromDate(new Date(claims.iat * 1000)),
          expiresAt: timestampFromDate(new Date(claims.exp * 1000)),
          issuer: claims.iss,
          audience: Array.isArray(claims.aud) ? claims.aud : [claims.aud],
          tokenType: TokenType.ACCESS,
        }),
      };
    },

    async lookupUser(req) {
      let user: User | undefined;
      if (req.key.case === "email") user = await findActiveCustomer(db, { email: looseEmail(req.key.value) });
      else if (req.key.case === "phone") user = await findActiveCustomer(db, { phone: normalizePhone(req.key.value) });
      else throw invalidField("key", "an email or a phone is required");
      if (!user) throw new IdentityError("USER_NOT_FOUND", "no active customer matches");
      return { userId: user.id, displayName: user.displayName };
    },

    async getUser(req) {
      const user = await existingUser(req.userId);
      const now = deps.clock();
      return { user: await userMessage(user), devices: await devicesOf(user.id, "", now), sessions: await sessionsOf(user.id, "", now) };
    },

    async searchUsers(req) {
      const query = required(req.query, "query", 320);
      if (query.length < 3) throw invalidField("query", "needs at least 3 characters");
      const { offset, limit } = pageOf(req.page);
      const users = await searchUsers(
        db,
        {
          query,
          kind: req.kind === UserKind.STAFF ? "STAFF" : req.kind === UserKind.CUSTOMER ? "CUSTOMER" : undefined,
          status: req.status === UserStatus.LOCKED ? "LOCKED" : req.status === UserStatus.ACTIVE ? "ACTIVE" : undefined,
        },
        offset,
        limit + 1,
      );
      return {
        users: await Promise.all(users.slice(0, limit).map(userMessage)),
        page: create(PageResponseSchema, { nextPageToken: users.length > limit ? Buffer.from(String(offset + limit)).toString("base64url") : "" }),
      };
    },

    async lockUser(req) {
      const result = await lockUserAccount(deps, required(req.userId, "user_id"), required(req.reason, "reason", 1000), required(req.actorId, "actor_id", 200));
      return { user: await userMessage(result.user), revokedSessions: result.revoked };
    },

    async unlockUser(req) {
      required(req.reason, "reason", 1000);
      required(req.actorId, "actor_id", 200);
      return { user: await userMessage(await unlockUserAccount(deps, required(req.userId, "user_id"))) };
    },

    async revokeUserSessions(req) {
      required(req.reason, "reason", 1000);
      required(req.actorId, "actor_id", 200);
      return { revokedSessions: await revokeUserSessions(deps, required(req.userId, "user_id")) };
    },

    async createStaffUser(req) {
      required(req.actorId, "actor_id", 200);
      if (req.roles.length === 0) throw invalidField("roles", "at least one role is required");
      const roles: StaffRole[] = req.roles.map((r, i) => parseRole(r, `roles[${i}]`));
      const user = await createStaffUser(deps, { email: required(req.email, "email", 320), displayName: required(req.displayName, "display_name", 200), roles });
      return { user: await userMessage(user) };
    },

    async listStaffUsers(req) {
      const { offset, limit } = pageOf(req.page);
      const role = req.role ? parseRole(req.role, "role") : undefined;
      const users = await searchUsers(db, { query: "", kind: "STAFF", role }, offset, limit + 1);
      return {
        users: await Promise.all(users.slice(0, limit).map(userMessage)),
        page: create(PageResponseSchema, { nextPageToken: users.length > limit ? Buffer.from(String(offset + limit)).toString("base64url") : "" }),
      };
    },

    async setStaffRoles(req) {
      required(req.actorId, "actor_id", 200);
      const roles = req.roles.map((r, i) => parseRole(r, `roles[${i}]`));
      return { user: await userMessage(await setStaffRoles(deps, required(req.userId, "user_id"), roles)) };
    },

    async resetUserMfa(req) {
      required(req.reason, "reason", 1000);
      required(req.actorId, "actor_id", 200);
      const result = await resetUserMfa(deps, required(req.userId, "user_id"));
      return { user: await userMessage(result.user), revokedSessions: result.revoked };
    },

    async createFirstAdmin(req) {
      const result = await createFirstAdmin(deps, {
        email: required(req.email, "email", 320),
        displayName: required(req.displayName, "display_name", 200),
        password: req.password,
        force: req.force,
      });
      return { user: await userMessage(result.user), totpUri: result.totpUri, recoveryCodes: result.recoveryCodes };
    },
  };
  return mapErrors(impl, toConnectError);
}
