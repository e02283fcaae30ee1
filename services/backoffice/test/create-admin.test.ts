import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { useTestDatabase } from "#platform/testing/index.js";
import type { BackofficeDatabase } from "../src/storage/backoffice.table.js";
import { verifyAuditChain } from "../src/verify-audit.js";
import { migrationsFolder } from "./support/backoffice-harness.js";

const identityDb = useTestDatabase({ migrationsFolder: new URL("../../identity/migrations", import.meta.url).pathname });
const backofficeDb = useTestDatabase<BackofficeDatabase>({ migrationsFolder });

/** Runs the command with `password` on standard input; answers its exit code and output. */
async function createAdmin(args: string[], password: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const [identity, backoffice] = [await identityDb(), await backofficeDb()];
  return new Promise((resolve) => {
    const child = execFile(
      "npx",
      ["tsx", "scripts/backoffice/create-admin.ts", ...args],
      { env: { ...process.env, IDENTITY_DATABASE_URL: identity.url, BACKOFFICE_DATABASE_URL: backoffice.url } },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(`${password}\n`);
  });
}

const PASSWORD = "an admin passphrase for tests";

test("create-admin creates the first admin, prints the TOTP enrolment URI and records itself in the audit log", async () => {
  const run = await createAdmin(["--email", "first.admin@wallet.example"], PASSWORD);
  assert.equal(run.code, 0, run.stderr);
  const out = JSON.parse(run.stdout) as { userId: string; totpUri: string; recoveryCodes: string[] };
  assert.match(out.totpUri, /^otpauth:\/\/totp\//);
  assert.ok(out.recoveryCodes.length > 0);
  assert.ok(!run.stdout.includes(PASSWORD) && !run.stderr.includes(PASSWORD), "the password is never printed");
  const { db } = await backofficeDb();
  const entry = await db.selectFrom("audit_log").selectAll().where("action", "=", "CreateFirstAdmin").executeTakeFirstOrThrow();
  assert.equal(entry.actor_id, out.userId);
  assert.equal((await verifyAuditChain(db)).broken, undefined);
});

test("create-admin is refused once an active admin exists, unless forced", async () => {
  await createAdmin(["--email", "admin.one@wallet.example"], PASSWORD);
  const refused = await createAdmin(["--email", "admin.two@wallet.example"], PASSWORD);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /ADMIN_EXISTS/);
  const forced = await createAdmin(["--email", "admin.two@wallet.example", "--force"], PASSWORD);
  assert.equal(forced.code, 0, forced.stderr);
});

test("create-admin without a password on standard input is refused", async () => {
  const run = await createAdmin(["--email", "nobody@wallet.example"], "");
  assert.equal(run.code, 1);
  assert.match(run.stderr, /password/);
});
