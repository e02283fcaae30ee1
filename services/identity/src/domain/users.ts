/** Users as identity's use cases see them. */
import type { StaffRole } from "#platform/access-tokens/claims.js";
import type { UserKind } from "./roles.js";

/** Whether a user may sign in. */
export type UserStatus = "ACTIVE" | "LOCKED";

/** A user; the password hash never leaves identity. */
export interface User {
  readonly id: string;
  readonly email: string;
  readonly emailVerified: boolean;
  readonly phone: string;
  readonly displayName: string;
  readonly locale: string;
  readonly kind: UserKind;
  readonly roles: readonly StaffRole[];
  readonly status: UserStatus;
  readonly passwordHash: string | null;
  readonly createdAt: Date;
  readonly lastLoginAt: Date | null;
  readonly lockedAt: Date | null;
  readonly lockReason: string;
}

/** A device known for a user. */
export interface Device {
  readonly userId: string;
  readonly deviceId: string;
  readonly name: string;
  readonly platform: string;
  readonly pushToken: string;
  readonly appVersion: string;
  readonly trusted: boolean;
  readonly firstSeenAt: Date;
  readonly lastSeenAt: Date;
}

/** What a client says about its device at sign-up and login. */
export interface DeviceInput {
  readonly deviceId: string;
  readonly name: string;
  /** Platform enum name without prefix: IOS, ANDROID, WEB, UNSPECIFIED. */
  readonly platform: string;
  readonly pushToken: string;
  readonly appVersion: string;
}

/** Where a request came from, as forwarded by the edge. */
export interface ClientInfo {
  readonly ipAddress: string;
  readonly userAgent: string;
}

/** Authentication freshness rules for sensitive self-service actions. */
export interface Freshness {
  /** A step-up counts as fresh for this long after its auth_time. */
  readonly stepUpMaxAgeMs: number;
  /** A login counts as recent for this long after its auth_time. */
  readonly recentLoginMaxAgeMs: number;
}

/** True when `amr` has "otp" and `authTime` is within `maxAgeMs` of now. */
export function hasFreshSecondFactor(amr: readonly string[], authTime: Date, now: Date, maxAgeMs: number): boolean {
  return amr.includes("otp") && now.getTime() - authTime.getTime() <= maxAgeMs;
}
