import type { ColumnType } from "kysely";
import type { OutboxDatabase } from "#platform/outbox/index.js";

/** Row types of identity's tables (migration 0003 and the outbox). */
export interface UsersTable {
  id: string;
  email: string;
  email_verified: ColumnType<boolean, boolean | undefined, boolean>;
  phone: string;
  display_name: string;
  locale: string;
  kind: string;
  roles: ColumnType<string[], string[] | undefined, string[]>;
  status: ColumnType<string, string | undefined, string>;
  password_hash: string | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  last_login_at: Date | null;
  locked_at: Date | null;
  lock_reason: ColumnType<string, string | undefined, string>;
  locked_by: ColumnType<string, string | undefined, string>;
}

export interface OneTimeTokensTable {
  token_hash: Buffer;
  purpose: string;
  user_id: string;
  email: string;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
}

export interface DevicesTable {
  user_id: string;
  device_id: string;
  name: string;
  platform: string;
  push_token: string;
  app_version: string;
  trusted: ColumnType<boolean, boolean | undefined, boolean>;
  first_seen_at: Date;
  last_seen_at: Date;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  device_id: string;
  amr: string[];
  auth_time: Date;
  created_at: Date;
  last_used_at: Date;
  idle_expires_at: Date;
  expires_at: Date;
  ip_address: string;
  user_agent: string;
  revoked_at: Date | null;
  revoke_reason: string | null;
}

export interface RefreshTokensTable {
  token_hash: Buffer;
  session_id: string;
  created_at: Date;
  rotated_at: Date | null;
  successor_hash: Buffer | null;
  successor_ciphertext: Buffer | null;
}

export interface MfaChallengesTable {
  id: string;
  user_id: string;
  device: ColumnType<unknown, string, string>;
  ip_address: string;
  user_agent: string;
  created_at: Date;
  expires_at: Date;
  failures: ColumnType<number, number | undefined, number>;
  used_at: Date | null;
}

export interface TotpCredentialsTable {
  user_id: string;
  secret_ciphertext: Buffer;
  confirmed_at: Date | null;
  pending_expires_at: Date | null;
  last_used_step: bigint | null;
  created_at: Date;
}

export interface RecoveryCodesTable {
  user_id: string;
  code_hash: Buffer;
  created_at: Date;
  used_at: Date | null;
}

export interface SigningKeysTable {
  kid: string;
  state: string;
  algorithm: ColumnType<string, string | undefined, string>;
  public_jwk: ColumnType<Record<string, string>, string, string>;
  private_key_ciphertext: Buffer;
  created_at: Date;
  retiring_at: Date | null;
  retire_after: Date | null;
}

/** Every table of the identity database. */
export interface IdentityDatabase extends OutboxDatabase {
  users: UsersTable;
  one_time_tokens: OneTimeTokensTable;
  devices: DevicesTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  mfa_challenges: MfaChallengesTable;
  totp_credentials: TotpCredentialsTable;
  recovery_codes: RecoveryCodesTable;
  signing_keys: SigningKeysTable;
}
