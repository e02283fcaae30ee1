/** Domain objects as identity's protobuf messages. */
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { StaffRole } from "#platform/access-tokens/claims.js";
import { DeviceSchema, Platform, SessionSchema, type Device as DevicePb, type DeviceInfo, type Session as SessionPb } from "#gen/wallet/identity/v1/device_pb.js";
import { TokenPairSchema, type TokenPair } from "#gen/wallet/identity/v1/token_pb.js";
import { MfaStatusSchema, Role, UserKind, UserSchema, UserStatus, type User as UserPb } from "#gen/wallet/identity/v1/user_pb.js";
import type { Session } from "../domain/sessions.js";
import type { Device, DeviceInput, User } from "../domain/users.js";
import { invalidField } from "../domain/identity-error.js";
import { platformPb } from "../events.js";
import type { TokenPairResult } from "../sessions.service.js";

const roleNames: Record<StaffRole, Role> = {
  admin: Role.ADMIN,
  support: Role.SUPPORT,
  risk_analyst: Role.RISK_ANALYST,
  finance: Role.FINANCE,
  approver: Role.APPROVER,
};

/** A role as a proto enum. */
export function rolePb(role: StaffRole): Role {
  return roleNames[role];
}

/** A proto role as the claims' name; ROLE_UNSPECIFIED or unknown values are refused. */
export function parseRole(role: Role, field: string): StaffRole {
  const found = (Object.entries(roleNames) as Array<[StaffRole, Role]>).find(([, v]) => v === role);
  if (!found) throw invalidField(field, "must be a known role");
  return found[0];
}

/** MFA facts shown on a user. */
export interface MfaFacts {
  readonly totpEnrolledAt: Date | null;
  readonly recoveryCodesRemaining: number;
}

/** A user as the proto message. */
export function userPb(user: User, mfa: MfaFacts): UserPb {
  return create(UserSchema, {
    id: user.id,
    email: user.email,
    emailVerified: user.emailVerified,
    phone: user.phone,
    displayName: user.displayName,
    locale: user.locale,
    kind: user.kind === "STAFF" ? UserKind.STAFF : UserKind.CUSTOMER,
    roles: user.roles.map(rolePb),
    status: user.status === "LOCKED" ? UserStatus.LOCKED : UserStatus.ACTIVE,
    mfa: create(MfaStatusSchema, {
      totpEnrolled: mfa.totpEnrolledAt !== null,
      totpEnrolledAt: mfa.totpEnrolledAt ? timestampFromDate(mfa.totpEnrolledAt) : undefined,
      recoveryCodesRemaining: mfa.recoveryCodesRemaining,
    }),
    createdAt: timestampFromDate(user.createdAt),
    lastLoginAt: user.lastLoginAt ? timestampFromDate(user.lastLoginAt) : undefined,
    lockedAt: user.lockedAt ? timestampFromDate(user.lockedAt) : undefined,
    lockReason: user.lockReason,
  });
}

/** A device as the proto message. */
export function devicePb(device: Device, currentDeviceId: string, activeSessions: number): DevicePb {
  return create(DeviceSchema, {
    id: device.deviceId,
    name: device.name,
    platform: platformPb(device.platform),
    trusted: device.trusted,
    current: device.deviceId === currentDeviceId,
    firstSeenAt: timestampFromDate(device.firstSeenAt),
    lastSeenAt: timestampFromDate(device.lastSeenAt),
    appVersion: device.appVersion,
    activeSessions,
  });
}

/** A session as the proto message. */
export function sessionPb(session: Session, currentSessionId: string, deviceName: string): SessionPb {
  return create(SessionSchema, {
    id: session.id,
    deviceId: session.deviceId,
    deviceName,
    current: session.id === currentSessionId,
    createdAt: timestampFromDate(session.createdAt),
    lastUsedAt: timestampFromDate(session.lastUsedAt),
    idleExpiresAt: timestampFromDate(session.idleExpiresAt),
    expiresAt: timestampFromDate(session.expiresAt),
    ipAddress: session.ipAddress,
    amr: [...session.amr],
  });
}

/** A token pair as the proto message. */
export function tokenPairPb(tokens: TokenPairResult): TokenPair {
  return create(TokenPairSchema, {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    expiresIn: tokens.expiresIn,
    tokenType: "Bearer",
    sessionId: tokens.sessionId,
    sessionExpiresAt: timestampFromDate(tokens.sessionExpiresAt),
  });
}

/** Longest accepted device id, name, push token and version. */
const DEVICE_FIELD_MAX = 512;

/** A DeviceInfo as domain input; `required` refuses a missing device id. */
export function parseDevice(info: DeviceInfo | undefined, required: boolean): DeviceInput | undefined {
  if (!info || info.deviceId.trim() === "") {
    if (required) throw invalidField("device.device_id", "is required");
    return undefined;
  }
  for (const [field, value] of [["device_id", info.deviceId], ["name", info.name], ["push_token", info.pushToken], ["app_version", info.appVersion]] as const) {
    if (value.length > DEVICE_FIELD_MAX) throw invalidField(`device.${field}`, `is longer than ${DEVICE_FIELD_MAX} characters`);
  }
  return {
    deviceId: info.deviceId.trim(),
    name: info.name.trim(),
    platform: Platform[info.platform] ?? "UNSPECIFIED",
    pushToken: info.pushToken.trim(),
    appVersion: info.appVersion.trim(),
  };
}
