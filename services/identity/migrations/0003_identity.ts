import { sql, type Kysely } from "kysely";

/**
 * Identity's own tables.
 *
 * - `users`: customers and staff; `email` stored lower case and unique.
 * - `one_time_tokens`: email verification, account recovery and staff
 *   invitations; only the sha256 of the token is kept.
 * - `devices`: one row per (user, client device id); RevokeDevice deletes it.
 * - `sessions` and `refresh_tokens`: one refresh-token family per session;
 *   a rotated token keeps `rotated_at` and its successor's hash (reuse
 *   detection, grace period), and the successor encrypted for the grace answer.
 * - `mfa_challenges`: the server side of a Login's MFA challenge (single use).
 * - `totp_credentials`, `recovery_codes`: second factors; the TOTP secret is
 *   encrypted at rest, recovery codes are hashed.
 * - `signing_keys`: ES256 key pairs, private keys encrypted at rest.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE users (
      id              uuid        PRIMARY KEY,
      email           text        NOT NULL,
      email_verified  boolean     NOT NULL DEFAULT false,
      phone           text        NOT NULL DEFAULT '',
      display_name    text        NOT NULL DEFAULT '',
      locale          text        NOT NULL DEFAULT 'en',
      kind            text        NOT NULL CHECK (kind IN ('CUSTOMER', 'STAFF')),
      roles           text[]      NOT NULL DEFAULT '{}',
      status          text        NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'LOCKED')),
      password_hash   text,
      created_at      timestamptz NOT NULL DEFAULT now(),
      last_login_at   timestamptz,
      locked_at       timestamptz,
      lock_reason     text        NOT NULL DEFAULT '',
      locked_by       text        NOT NULL DEFAULT '',
      CONSTRAINT users_email_lower CHECK (email = lower(email)),
      CONSTRAINT users_customers_have_no_roles CHECK (kind = 'STAFF' OR roles = '{}')
    )
  `.execute(db);
  await sql`CREATE UNIQUE INDEX users_email_key ON users (email)`.execute(db);
  await sql`CREATE INDEX users_phone ON users (phone) WHERE phone <> ''`.execute(db);
  await sql`CREATE INDEX users_staff ON users (email) WHERE kind = 'STAFF'`.execute(db);

  await sql`
    CREATE TABLE one_time_tokens (
      token_hash  bytea       PRIMARY KEY,
      purpose     text        NOT NULL CHECK (purpose IN ('email_verification', 'recovery')),
      user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      email       text        NOT NULL,
      created_at  timestamptz NOT NULL,
      expires_at  timestamptz NOT NULL,
      used_at     timestamptz
    )
  `.execute(db);
  await sql`CREATE INDEX one_time_tokens_open ON one_time_tokens (user_id, purpose) WHERE used_at IS NULL`.execute(db);

  await sql`
    CREATE TABLE devices (
      user_id        uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      device_id      text        NOT NULL,
      name           text        NOT NULL DEFAULT '',
      platform       text        NOT NULL DEFAULT 'UNSPECIFIED',
      push_token     text        NOT NULL DEFAULT '',
      app_version    text        NOT NULL DEFAULT '',
      trusted        boolean     NOT NULL DEFAULT false,
      first_seen_at  timestamptz NOT NULL,
      last_seen_at   timestamptz NOT NULL,
      PRIMARY KEY (user_id, device_id)
    )
  `.execute(db);

  await sql`
    CREATE TABLE sessions (
      id               uuid        PRIMARY KEY,
      user_id          uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      device_id        text        NOT NULL DEFAULT '',
      amr              text[]      NOT NULL,
      auth_time        timestamptz NOT NULL,
      created_at       timestamptz NOT NULL,
      last_used_at     timestamptz NOT NULL,
      idle_expires_at  timestamptz NOT NULL,
      expires_at       timestamptz NOT NULL,
      ip_address       text        NOT NULL DEFAULT '',
      user_agent       text        NOT NULL DEFAULT '',
      revoked_at       timestamptz,
      revoke_reason    text
    )
  `.execute(db);
  await sql`CREATE INDEX sessions_active_by_user ON sessions (user_id, device_id) WHERE revoked_at IS NULL`.execute(db);

  await sql`
    CREATE TABLE refresh_tokens (
      token_hash           bytea       PRIMARY KEY,
      session_id           uuid        NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
      created_at           timestamptz NOT NULL,
      rotated_at           timestamptz,
      successor_hash       bytea,
      successor_ciphertext bytea
    )
  `.execute(db);
  await sql`CREATE INDEX refresh_tokens_by_session ON refresh_tokens (session_id)`.execute(db);

  await sql`
    CREATE TABLE mfa_challenges (
      id          uuid        PRIMARY KEY,
      user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      device      jsonb       NOT NULL,
      ip_address  text        NOT NULL DEFAULT '',
      user_agent  text        NOT NULL DEFAULT '',
      created_at  timestamptz NOT NULL,
      expires_at  timestamptz NOT NULL,
      failures    integer     NOT NULL DEFAULT 0,
      used_at     timestamptz
    )
  `.execute(db);

  await sql`
    CREATE TABLE totp_credentials (
      user_id           uuid        PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
      secret_ciphertext bytea       NOT NULL,
      confirmed_at      timestamptz,
      pending_expires_at timestamptz,
      last_used_step    bigint,
      created_at        timestamptz NOT NULL
    )
  `.execute(db);

  await sql`
    CREATE TABLE recovery_codes (
      user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      code_hash  bytea       NOT NULL,
      created_at timestamptz NOT NULL,
      used_at    timestamptz,
      PRIMARY KEY (user_id, code_hash)
    )
  `.execute(db);

  await sql`
    CREATE TABLE signing_keys (
      kid                    text        PRIMARY KEY,
      state                  text        NOT NULL CHECK (state IN ('active', 'retiring', 'retired')),
      algorithm              text        NOT NULL DEFAULT 'ES256',
      public_jwk             jsonb       NOT NULL,
      private_key_ciphertext bytea       NOT NULL,
      created_at             timestamptz NOT NULL,
      retiring_at            timestamptz,
      retire_after           timestamptz
    )
  `.execute(db);
  await sql`CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (state) WHERE state = 'active'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    "signing_keys",
    "recovery_codes",
    "totp_credentials",
    "mfa_challenges",
    "refresh_tokens",
    "sessions",
    "devices",
    "one_time_tokens",
    "users",
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
