/**
 * The shared mode: with AUDIT_EXPORT_DATABASE_URL unset and BACKOFFICE_DATABASE_URL
 * set, the exporter lives inside the backoffice's database, every table of
 * its own (migration bookkeeping included) in schema audit_export, and never
 * touches the backoffice's tables. Each test makes its own databases.
 */
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import path from "node:path";
import { test, type TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { sql, type Kysely } from "kysely";
import { AUDIT_EXPORT_SHARED_SCHEMA, closeDb, createDb, databaseEntry, migrateServiceDatabase } from "#platform/db/index.js";
import { createTestDatabase, useTestRedis, type TestDatabase } from "#platform/testing/index.js";
import { buildExportBatch } from "../src/domain/export-batch.js";
import type { AuditExportDatabase } from "../src/storage/audit-export.table.js";
import { commitDeadLetter, commitDelivered, readCursor, startPendingBatch } from "../src/storage/export.repository.js";
import { chainedEntries } from "./support/audit-entries.js";
import { EXPORTER_KEY } from "./support/backoffice-audit-log.js";
import { createExportScene, eventually, newSigningSecret } from "./support/exporter-scene.js";
import { spawnExporter } from "./support/exporter-process.js";
import { startTestSiemSink, tookAllUpTo } from "./support/test-siem-sink.js";

const redis = useTestRedis();
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const run = promisify(execFile);
const backofficeMigrations = path.join(repoRoot, "services/backoffice/migrations");

/** The exporter's tables once migrated, with Kysely's bookkeeping. */
const EXPORTER_TABLES = ["export_cursor", "export_dead_letters", "export_pending_batch", "kysely_migration", "kysely_migration_lock", "service_metadata"];

/** A fresh database the backoffice's own migrations were applied to, dropped after the test. */
async function backofficeDatabase(t: TestContext): Promise<TestDatabase> {
  const database = await createTestDatabase({ migrationsFolder: backofficeMigrations });
  t.after(() => database.drop());
  return database;
}

/** Migrates audit-export into `url`'s schema audit_export, as `npm run migrate` does in the shared case. */
async function migrateShared(url: string): Promise<void> {
  await migrateServiceDatabase(databaseEntry("audit-export"), url, { schema: AUDIT_EXPORT_SHARED_SCHEMA });
}

/** A pool searching only schema audit_export, as the exporter's runtime opens it in the shared case; closed after the test. */
function sharedPool(t: TestContext, url: string): Kysely<AuditExportDatabase> {
  const db = createDb<AuditExportDatabase>(url, { poolSize: 2, searchPath: AUDIT_EXPORT_SHARED_SCHEMA });
  t.after(() => closeDb(db));
  return db;
}

/** Every table of `schema` with its columns and their types, and every index, in a fixed order. */
async function schemaShape(db: Kysely<any>, schema: string): Promise<string[]> {
  const columns = await sql<{ line: string }>`
    SELECT table_name || '.' || column_name || ' ' || data_type AS line FROM information_schema.columns
    WHERE table_schema = ${schema} ORDER BY table_name, ordinal_position`.execute(db);
  const indexes = await sql<{ line: string }>`SELECT indexname || ': ' || indexdef AS line FROM pg_indexes WHERE schemaname = ${schema} ORDER BY indexname`.execute(db);
  return [...columns.rows, ...indexes.rows].map((row) => row.line);
}

/** The tables of `schema`, by name. */
async function tablesOf(db: Kysely<any>, schema: string): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`SELECT tablename AS name FROM pg_tables WHERE schemaname = ${schema} ORDER BY tablename`.execute(db);
  return rows.map((row) => row.name);
}

/** The rows of the public schema's bookkeeping: the backoffice's migrations and its metadata. */
async function publicBookkeeping(db: Kysely<any>): Promise<unknown[]> {
  const migrations = await sql`SELECT name, timestamp FROM public.kysely_migration ORDER BY name`.execute(db);
  const metadata = await sql`SELECT key, value FROM public.service_metadata ORDER BY key`.execute(db);
  return [migrations.rows, metadata.rows];
}

test("migrating audit-export into a shared backoffice database creates its tables in the audit_export schema and leaves the backoffice's public schema untouched", async (t) => {
  const { db, url } = await backofficeDatabase(t);
  const publicBefore = await schemaShape(db, "public");
  const bookkeepingBefore = await publicBookkeeping(db);

  const { stdout } = await run(process.execPath, ["--import", "tsx", "scripts/migrate.ts", "audit-export"], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, NODE_ENV: "production", BACKOFFICE_DATABASE_URL: url },
  });

  assert.match(stdout, /audit-export \(AUDIT_EXPORT_DATABASE_URL unset, BACKOFFICE_DATABASE_URL's database, schema audit_export: .*\): applied 0001_baseline, 0002_export_state/);
  assert.deepEqual(await tablesOf(db, AUDIT_EXPORT_SHARED_SCHEMA), EXPORTER_TABLES);
  const owner = await sql<{ value: string }>`SELECT value FROM audit_export.service_metadata WHERE key = 'schema_owner'`.execute(db);
  assert.deepEqual(owner.rows, [{ value: "audit-export" }]);
  assert.deepEqual(await schemaShape(db, "public"), publicBefore);
  assert.deepEqual(await publicBookkeeping(db), bookkeepingBefore);
});

test("migrating audit-export into the shared database again applies nothing", async (t) => {
  const { url } = await backofficeDatabase(t);
  await migrateShared(url);
  const again = await migrateServiceDatabase(databaseEntry("audit-export"), url, { schema: AUDIT_EXPORT_SHARED_SCHEMA });
  assert.deepEqual(again, { created: false, applied: [] });
});

test("the exporter's storage reads and moves its cursor through a pool searching only the audit_export schema", async (t) => {
  const { db: publicDb, url } = await backofficeDatabase(t);
  await migrateShared(url);
  const db = sharedPool(t, url);

  assert.equal((await readCursor(db)).position, 0n);
  const batch = buildExportBatch(chainedEntries(3));
  assert.equal(await startPendingBatch(db, batch), true);
  assert.equal(await commitDelivered(db, batch, 0n), true);

  const cursor = await readCursor(db);
  assert.equal(cursor.position, 3n);
  assert.equal(cursor.hash, batch.chainHash);
  const stored = await sql<{ position: bigint }>`SELECT position FROM audit_export.export_cursor`.execute(publicDb);
  assert.deepEqual(stored.rows, [{ position: 3n }]);
  const inPublic = await sql<{ found: string | null }>`SELECT to_regclass('public.export_cursor')::text AS found`.execute(publicDb);
  assert.deepEqual(inPublic.rows, [{ found: null }]);
});

test("an exporter process without AUDIT_EXPORT_DATABASE_URL exports the audit log from inside the backoffice's database", async (t) => {
  const scene = await createExportScene(await redis());
  t.after(() => scene.close());
  const backofficeUrl = scene.backoffice.database.url;
  await migrateShared(backofficeUrl);
  await scene.backoffice.append(12);

  const exporter = await spawnExporter(scene, { AUDIT_EXPORT_DATABASE_URL: "", BACKOFFICE_DATABASE_URL: backofficeUrl, DATABASE_ISOLATION_MODE: "strict" });
  t.after(() => exporter.kill9());
  await scene.sink.waitFor(tookAllUpTo(12), "all 12 entries");
  const db = sharedPool(t, backofficeUrl);
  await eventually(async () => (await readCursor(db)).position === 12n, "the shared cursor at 12");

  assert.deepEqual(scene.sink.invalid, []);
  assert.equal((await readCursor(scene.db)).position, 0n, "the exporter's own database (unset) is not used");
  assert.match(exporter.output(), /AUDIT_EXPORT_DATABASE_URL is unset: using BACKOFFICE_DATABASE_URL's database, schema audit_export/);
  exporter.child.kill("SIGTERM");
  assert.equal(await exporter.exited, 0);
});

test("the exporter process with neither AUDIT_EXPORT_DATABASE_URL nor BACKOFFICE_DATABASE_URL stops naming AUDIT_EXPORT_DATABASE_URL", async () => {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(repoRoot, "services/audit-export/src/main.ts")], {
    env: { PATH: process.env.PATH, NODE_ENV: "test", ADMIN_PORT: "0", INTERNAL_AUTH_MODE: "hmac", ...EXPORTER_KEY },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  clearTimeout(timer);
  assert.equal(code, 1);
  assert.match(stderr, /invalid configuration: AUDIT_EXPORT_DATABASE_URL is required/);
});

test("the dead-letter replay without AUDIT_EXPORT_DATABASE_URL replays from the backoffice database's audit_export schema", async (t) => {
  const { url } = await backofficeDatabase(t);
  await migrateShared(url);
  const db = sharedPool(t, url);
  const batch = buildExportBatch(chainedEntries(2));
  assert.equal(await startPendingBatch(db, batch), true);
  assert.equal(await commitDeadLetter(db, { batch, attempts: 1, lastStatus: 422, lastError: "webhook answered 422" }, 0n), true);
  const secret = newSigningSecret();
  const sink = await startTestSiemSink([secret]);
  t.after(() => sink.close());

  const { stdout } = await run(process.execPath, ["--import", "tsx", "scripts/audit-export/replay-dead-letters.ts", "--limit", "10"], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, NODE_ENV: "test", BACKOFFICE_DATABASE_URL: url, AUDIT_EXPORT_WEBHOOK_URL: sink.url, AUDIT_EXPORT_SIGNING_SECRET: secret },
  });

  assert.deepEqual(JSON.parse(stdout), { replayed: 1, failed: 0, remaining: 0 });
  assert.deepEqual(sink.received.map((r) => r.webhookId), [batch.id]);
  const letter = await db.selectFrom("export_dead_letters").select("replayed_at").executeTakeFirstOrThrow();
  assert.notEqual(letter.replayed_at, null);
});
