import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { promisify } from "node:util";
import { Code, createClient } from "@connectrpc/connect";
import { createRouterTransport } from "@connectrpc/connect";
import { sql } from "kysely";
import { createDb, closeDb } from "#platform/db/index.js";
import { asVerifiedCaller } from "#platform/internal-auth/testing/index.js";
import { callGraph } from "#platform/mesh/call-graph.js";
import { BackofficeService } from "#gen/wallet/backoffice/v1/backoffice_service_pb.js";
import { AuditOutcome } from "#gen/wallet/backoffice/v1/audit_pb.js";
import { AccountStatus } from "#gen/wallet/ledger/v1/account_pb.js";
import { Role } from "#gen/wallet/identity/v1/user_pb.js";
import { createBackofficeRoutes } from "../src/routes.js";
import { verifyAuditChain } from "../src/verify-audit.js";
import { refusal, useBackofficeMesh } from "./support/backoffice-harness.js";

const mesh = useBackofficeMesh();
const run = promisify(execFile);

/** What a database superuser could do: switch the triggers off, rewrite history, switch them on again. */
async function rewriteHistory(m: Awaited<ReturnType<typeof mesh>>, statement: ReturnType<typeof sql>): Promise<void> {
  await m.db.transaction().execute(async (trx) => {
    await sql`ALTER TABLE audit_log DISABLE TRIGGER USER`.execute(trx);
    await statement.execute(trx);
    await sql`ALTER TABLE audit_log ENABLE TRIGGER USER`.execute(trx);
  });
}

const entriesOf = async (m: Awaited<ReturnType<typeof mesh>>, actorId: string) =>
  m.db.selectFrom("audit_log").selectAll().where("actor_id", "=", actorId).orderBy("position").execute();

test("a successful call writes one entry with actor, roles, action, target, request id and client address", async () => {
  const m = await mesh();
  const support = await m.staff(["support"]);
  const customer = await m.customer();
  await support.backoffice.getAccount({ accountId: customer.accountId }, { headers: { "x-request-id": "req-audit-1" } });
  const [entry, ...more] = await entriesOf(m, support.id);
  assert.equal(more.length, 0);
  assert.equal(entry!.action, "GetAccount");
  assert.deepEqual(entry!.actor_roles, ["support"]);
  assert.equal(entry!.target_type, "account");
  assert.equal(entry!.target_id, customer.accountId);
  assert.equal(entry!.outcome, "SUCCEEDED");
  assert.equal(entry!.request_id, "req-audit-1");
  assert.equal(entry!.client_ip, "203.0.113.7");
});

test("a failed call is audited as failed with its code and the reason given", async () => {
  const m = await mesh();
  const analyst = await m.staff(["risk_analyst"]);
  const unknown = crypto.randomUUID();
  const refused = await refusal(analyst.backoffice.freezeAccount({ accountId: unknown, reason: "chargeback pattern" }));
  assert.equal(refused.code, Code.NotFound);
  const [entry] = await entriesOf(m, analyst.id);
  assert.equal(entry!.outcome, "FAILED");
  assert.equal(entry!.error_code, "not_found");
  assert.equal(entry!.reason, "chargeback pattern");
  assert.equal(entry!.target_id, unknown);
});

test("a denied call is audited as denied", async () => {
  const m = await mesh();
  const support = await m.staff(["support"]);
  await refusal(support.backoffice.listAuditLog({}));
  const [entry] = await entriesOf(m, support.id);
  assert.equal(entry!.outcome, "DENIED");
  assert.equal(entry!.error_code, "permission_denied");
});

test("audit entries refuse UPDATE, DELETE and TRUNCATE", async () => {
  const m = await mesh();
  const admin = await m.staff(["admin"]);
  await admin.backoffice.listStaff({});
  for (const statement of [sql`UPDATE audit_log SET reason = 'edited'`, sql`DELETE FROM audit_log`, sql`TRUNCATE audit_log`]) {
    await assert.rejects(statement.execute(m.db), /append-only/);
  }
});

test("an entry that does not follow the chain head is refused by the database", async () => {
  const m = await mesh();
  const admin = await m.staff(["admin"]);
  await admin.backoffice.listStaff({});
  const head = await m.db.selectFrom("audit_log").selectAll().orderBy("position", "desc").limit(1).executeTakeFirstOrThrow();
  await assert.rejects(
    m.db.insertInto("audit_log").values({ ...head, position: head.position + 5n, id: crypto.randomUUID() } as never).execute(),
    /does not follow the chain head/,
  );
});

test("the chain verifies, and an entry altered behind the triggers' back is found at its position", async () => {
  const m = await mesh();
  const admin = await m.staff(["admin"]);
  for (let i = 0; i < 5; i++) await admin.backoffice.listStaff({});
  const clean = await verifyAuditChain(m.db, 2);
  assert.equal(clean.broken, undefined);
  const [, second] = await entriesOf(m, admin.id);
  await rewriteHistory(m, sql`UPDATE audit_log SET actor_id = 'someone-else' WHERE position = ${second!.position}`);
  const broken = await verifyAuditChain(m.db, 2);
  assert.equal(broken.broken?.position, second!.position);
  assert.equal(broken.broken?.problem, "entry hash does not match its content");
  await rewriteHistory(m, sql`UPDATE audit_log SET actor_id = ${second!.actor_id} WHERE position = ${second!.position}`);
  assert.equal((await verifyAuditChain(m.db)).broken, undefined, "restored for the next tests of this file");
});

test("npm run backoffice:verify-audit exits 1 naming the first broken position", async () => {
  const m = await mesh();
  const admin = await m.staff(["admin"]);
  await admin.backoffice.listStaff({});
  await admin.backoffice.listStaff({});
  const env = { ...process.env, BACKOFFICE_DATABASE_URL: m.databaseUrl };
  const ok = await run("npx", ["tsx", "scripts/backoffice/verify-audit.ts"], { env });
  assert.equal(JSON.parse(ok.stdout).clean, true);
  const last = await m.db.selectFrom("audit_log").select("position").orderBy("position", "desc").limit(1).executeTakeFirstOrThrow();
  const removed = await m.db.selectFrom("audit_log").selectAll().where("position", "=", last.position - 1n).executeTakeFirstOrThrow();
  await rewriteHistory(m, sql`DELETE FROM audit_log WHERE position = ${removed.position}`);
  const failed = await run("npx", ["tsx", "scripts/backoffice/verify-audit.ts"], { env }).then(
    () => assert.fail("expected exit 1"),
    (err: { code: number; stderr: string }) => err,
  );
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, new RegExp(`audit chain broken at position ${removed.position}`));
  await rewriteHistory(m, sql`INSERT INTO audit_log SELECT * FROM json_populate_record(NULL::audit_log, ${JSON.stringify({ ...removed, position: removed.position.toString() })}::json)`);
  assert.equal((await verifyAuditChain(m.db)).broken, undefined, "restored for the next tests of this file");
});

test("the audit log lists newest first with filters, and in position order after a position", async () => {
  const m = await mesh();
  const admin = await m.staff(["admin"]);
  const support = await m.staff(["support"]);
  await support.backoffice.listStaff({}).catch(() => undefined);
  await admin.backoffice.listStaff({ role: Role.ADMIN });
  await admin.backoffice.listStaff({});
  const mine = await admin.backoffice.listAuditLog({ actorId: admin.id, action: "ListStaff" });
  assert.equal(mine.entries.length, 2);
  assert.ok(mine.entries[0]!.position > mine.entries[1]!.position);
  const denied = await admin.backoffice.listAuditLog({ outcome: AuditOutcome.DENIED });
  assert.ok(denied.entries.every((e) => e.outcome === AuditOutcome.DENIED));
  assert.ok(denied.entries.some((e) => e.actorId === support.id));
  const first = mine.entries[1]!.position;
  const following = await admin.backoffice.listAuditLog({ afterPosition: first - 1n, page: { pageSize: 2, pageToken: "" } });
  assert.deepEqual(following.entries.map((e) => e.position), [first, first + 1n]);
  const next = await admin.backoffice.listAuditLog({ afterPosition: first - 1n, page: { pageSize: 2, pageToken: following.page!.nextPageToken } });
  assert.equal(next.entries[0]!.position, first + 2n);
  assert.equal(following.entries[0]!.entryHash, next.entries.length > 0 ? following.entries[0]!.entryHash : following.entries[0]!.entryHash);
});

test("when the audit log cannot be written the call fails Unavailable and nothing changes", async () => {
  const m = await mesh();
  const analyst = await m.staff(["risk_analyst"]);
  const customer = await m.customer();
  const unreachable = createDb("postgres://postgres@127.0.0.1:9/none", { poolSize: 1, applicationName: "unreachable" });
  try {
    const routes = createBackofficeRoutes({ ...m.deps, db: unreachable as never });
    const client = createClient(
      BackofficeService,
      createRouterTransport(routes, { router: { interceptors: [asVerifiedCaller({ callerId: "gateway", subject: analyst.id, mode: "off" })] } }),
    );
    const refused = await refusal(client.freezeAccount({ accountId: customer.accountId, reason: "fraud" }, { headers: { authorization: `Bearer ${analyst.accessToken}` } }));
    assert.equal(refused.code, Code.Unavailable);
    assert.equal(refused.reason, "AUDIT_UNAVAILABLE");
    const { account } = await m.ledgerAs("backoffice").getAccount({ accountId: customer.accountId });
    assert.equal(account?.status, AccountStatus.ACTIVE);
  } finally {
    await closeDb(unreachable);
  }
});

test("the exporter reads the log in position order after its cursor, with the head and the oldest unread time", async () => {
  const m = await mesh();
  const admin = await m.staff(["admin"]);
  const before = (await m.auditReader.readAuditLog({ afterPosition: 0n, limit: 1_000 })).headPosition;
  for (let i = 0; i < 3; i++) await admin.backoffice.listStaff({});
  const page = await m.auditReader.readAuditLog({ afterPosition: before, limit: 2 });
  assert.deepEqual(page.entries.map((e) => e.position), [before + 1n, before + 2n]);
  assert.equal(page.headPosition, before + 3n);
  assert.ok(page.oldestUnreadAt);
  const atHead = await m.auditReader.readAuditLog({ afterPosition: page.headPosition });
  assert.equal(atHead.entries.length, 0);
  assert.equal(atHead.oldestUnreadAt, undefined);
});

test("the call graph lets only the audit-export worker read the log in chain order", () => {
  assert.deepEqual(callGraph["wallet.backoffice.v1.AuditLogService"].ReadAuditLog, ["audit-export"]);
});
