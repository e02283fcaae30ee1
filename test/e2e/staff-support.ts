/**
 * What a staff journey needs besides the edge: the operator's
 * `backoffice:create-admin` command, the invitation identity emails (read
 * from its outbox, where the email's token is), an authenticator that never
 * offers a time step twice, and the claims of an access token.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { decodeJwt } from "jose";
import { EventEnvelopeSchema } from "../../gen/wallet/events/v1/envelope_pb.js";
import { closeDb, createDb } from "../../platform/db/index.js";
import type { OutboxDatabase } from "../../platform/outbox/index.js";
import { totpAt } from "./journey-support.js";
import { outboxEnvelope } from "../../platform/outbox/testing/index.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** What `backoffice:create-admin` prints. */
export interface CreatedAdmin {
  readonly userId: string;
  readonly email: string;
  readonly totpUri: string;
  readonly recoveryCodes: string[];
}

/**
 * Runs `npm run backoffice:create-admin -- --email <email> --name <name>` in
 * `env` (a run's shared environment: its identity and backoffice databases,
 * Redis prefix), with the password on standard input, and parses its JSON.
 * @throws Error with the command's output when it exits non-zero.
 */
export function createFirstAdmin(env: Readonly<NodeJS.ProcessEnv>, email: string, name: string, password: string): Promise<CreatedAdmin> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      "npm",
      ["run", "--silent", "backoffice:create-admin", "--", "--email", email, "--name", name],
      { cwd: repoRoot, env: { ...env }, timeout: 180_000 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`backoffice:create-admin failed (${err.message}):\n${stdout}\n${stderr}`));
        try {
          resolve(JSON.parse(stdout) as CreatedAdmin);
        } catch {
          reject(new Error(`backoffice:create-admin printed no JSON:\n${stdout}\n${stderr}`));
        }
      },
    );
    child.stdin!.end(`${password}\n`);
  });
}

/**
 * The token of the latest invitation (an account-recovery token) identity
 * emailed to `userId`: the RecoveryRequested event its outbox holds for the
 * email, in identity's database at `identityDatabaseUrl`.
 * @throws Error when there is none.
 */
export async function invitationToken(identityDatabaseUrl: string, userId: string): Promise<string> {
  const db = createDb<OutboxDatabase>(identityDatabaseUrl, { poolSize: 1, applicationName: "e2e-staff-journey" });
  try {
    const rows = await db
      .selectFrom("outbox_events")
      .select(["payload", "payload_json"])
      .where("aggregate_id", "=", userId)
      .where("event_type", "=", "wallet.events.v1.RecoveryRequested")
      .orderBy("created_at", "desc")
      .orderBy("event_id", "desc")
      .limit(1)
      .execute();
    const envelope = rows[0] && outboxEnvelope(rows[0]);
    if (envelope?.payload.case !== "recoveryRequested") throw new Error(`identity emailed no invitation to ${userId}`);
    return envelope.payload.value.token;
  } finally {
    await closeDb(db);
  }
}

/** An authenticator app: TOTP codes of a secret, each of a later time step than the one before. */
export interface Authenticator {
  /** A code identity accepts now: of the current step, or the next when the current one was given already. */
  code(): Promise<string>;
}

const STEP_MS = 30_000;

/**
 * An authenticator for `secret` (base32). Identity refuses a code of a step
 * already accepted (TOTP_CODE_REUSED) and accepts ±1 step, so a second code
 * within one step is the next step's; a third waits until that is near.
 */
export function createAuthenticator(secret: string): Authenticator {
  let lastStep = -Infinity;
  return {
    async code() {
      const step = Math.max(Math.floor(Date.now() / STEP_MS), lastStep + 1);
      const wait = (step - 1) * STEP_MS - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      lastStep = step;
      return totpAt(secret, step * STEP_MS);
    },
  };
}

/** The secret of an `otpauth://totp/...?secret=...` URI. */
export function totpSecretOf(otpauthUri: string): string {
  const secret = new URL(otpauthUri).searchParams.get("secret");
  if (!secret) throw new Error(`no secret in ${otpauthUri}`);
  return secret;
}

/** The claims an access token carries (read, not verified: the edge and the backoffice verify it). */
export function claimsOf(accessToken: string): { sub?: string; roles?: string[]; amr?: string[] } {
  return decodeJwt(accessToken) as { sub?: string; roles?: string[]; amr?: string[] };
}
