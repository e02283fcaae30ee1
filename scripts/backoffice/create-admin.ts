/**
 * `npm run backoffice:create-admin -- --email <address> [--name "Display Name"] [--force]`:
 * creates the first staff admin of a fresh install, with a password read
 * from standard input and a TOTP authenticator enrolled at once. Prints the
 * enrolment URI (`otpauth://...`, to scan into an authenticator app) and
 * one-time recovery codes as JSON, and records itself in the backoffice audit
 * log. Refused (exit 1) once an active admin exists, unless `--force`. Staff
 * after the first are created through the backoffice (CreateStaff).
 *
 * An operator's release-style command, like `identity:rotate-keys`: it runs
 * identity's own use case on identity's database (IDENTITY_DATABASE_URL,
 * IDENTITY_KEY_ENCRYPTION_SECRET, REDIS_URL) and appends to the backoffice's
 * audit log (BACKOFFICE_DATABASE_URL); outside production the local defaults.
 * No service reads another's tables. Exit 2 when it cannot run.
 *
 *   printf '%s\n' "$ADMIN_PASSWORD" | npm run backoffice:create-admin -- --email ops@example.com
 */
import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import type { Kysely } from "kysely";
import { z } from "zod";
import { loadConfig, redisUrl } from "#platform/config/index.js";
import { closeDb, createDb, resolveDatabaseUrl } from "#platform/db/index.js";
import { createSilentLogger } from "#platform/logging/index.js";
import { LOCAL_REDIS_URL } from "#platform/runtime/process-config.js";
import { appendAuditEntry } from "../../services/backoffice/src/storage/audit-log.repository.js";
import type { BackofficeDatabase } from "../../services/backoffice/src/storage/backoffice.table.js";
import { identityConfigFields, identitySettings, keyEncryptionSecret } from "../../services/identity/src/config.js";
import { createIdentityDeps } from "../../services/identity/src/create-deps.js";
import { IdentityError } from "../../services/identity/src/domain/identity-error.js";
import { createFirstAdmin } from "../../services/identity/src/staff.service.js";
import type { IdentityDatabase } from "../../services/identity/src/storage/identity.table.js";

/** The first line of standard input: the password, never echoed or logged. */
async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write("Password for the new admin (input hidden): ");
  const lines = createInterface({ input: process.stdin, terminal: false });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  return "";
}

class UsageError extends Error {}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { email: { type: "string" }, name: { type: "string" }, force: { type: "boolean", default: false } } });
  if (!values.email) throw new UsageError("--email <address> is required");
  const password = await readPassword();
  if (password === "") throw new UsageError("the password is read from standard input: none was given");

  const config = loadConfig(z.object({ ...identityConfigFields, NODE_ENV: z.string().default("development"), REDIS_URL: redisUrl(LOCAL_REDIS_URL) }), process.env);
  const identityDb = createDb<IdentityDatabase>(resolveDatabaseUrl("IDENTITY_DATABASE_URL").url, { poolSize: 1, applicationName: "backoffice-create-admin" }) as Kysely<IdentityDatabase>;
  const backofficeDb = createDb<BackofficeDatabase>(resolveDatabaseUrl("BACKOFFICE_DATABASE_URL").url, { poolSize: 1, applicationName: "backoffice-create-admin" }) as Kysely<BackofficeDatabase>;
  const redis = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });
  try {
    const deps = createIdentityDeps({ db: identityDb, redis, logger: createSilentLogger(), settings: identitySettings(config), keyEncryptionSecret: keyEncryptionSecret(config) });
    const email = values.email;
    const created = await createFirstAdmin(deps, { email, displayName: values.name ?? email.split("@")[0]!, password, force: values.force });
    await backofficeDb.transaction().execute((trx) =>
      appendAuditEntry(trx, {
        id: randomUUID(),
        occurredAt: new Date(),
        actorId: created.user.id,
        actorRoles: ["admin"],
        action: "CreateFirstAdmin",
        targetType: "staff",
        targetId: created.user.id,
        reason: values.force ? "backoffice:create-admin --force (an active admin already existed)" : "backoffice:create-admin on a fresh install",
        requestId: randomUUID(),
        clientIp: "",
        outcome: "SUCCEEDED",
        errorCode: "",
        approvalId: "",
      }),
    );
    process.stdout.write(`${JSON.stringify({ userId: created.user.id, email: created.user.email, totpUri: created.totpUri, recoveryCodes: created.recoveryCodes }, null, 2)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof IdentityError) {
      console.error(`backoffice:create-admin refused: ${err.reason}: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    redis.disconnect();
    await Promise.all([closeDb(identityDb), closeDb(backofficeDb)]);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`backoffice:create-admin could not run: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(err instanceof UsageError ? 1 : 2);
  },
);
