import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import amqp from "amqplib";
import { builtEntryOf, builtPathOf } from "../../platform/mesh/build-output.js";
import { databases, processes } from "../../platform/mesh/catalogue.js";
import { createTestDatabase, randomSuffix, testInfrastructure } from "../../platform/testing/index.js";
import { BUILD_MANIFEST, buildDist } from "../../scripts/build/build-dist.js";
import { DEV_ONLY_FOLDERS } from "../../scripts/build/build-plan.js";
import { freePort } from "../../scripts/bench/lib/service-process.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Runs `node <args>` to its end with `env` added, collecting its output. */
function runNode(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd, env: { PATH: process.env.PATH, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("exit", (code) => resolve({ code, output }));
  });
}

describe("npm run build", () => {
  /** Laid out as in the image: /app/dist beside /app/node_modules (here a link to the repository's). */
  let app: string;
  let files: string[];

  before(async () => {
    app = await fs.mkdtemp(path.join(os.tmpdir(), "wallet-build-"));
    ({ files } = await buildDist({ root: repoRoot, outDir: path.join(app, "dist") }));
    await fs.symlink(path.join(repoRoot, "node_modules"), path.join(app, "node_modules"), "dir");
  });
  after(() => fs.rm(app, { recursive: true, force: true }));

  test("emits JavaScript for every entry point of the catalogue, the image's entry script, the release command and every migration, listed in its manifest", async () => {
    const manifest = JSON.parse(await fs.readFile(path.join(app, "dist", BUILD_MANIFEST), "utf8")) as { files: string[] };
    assert.deepEqual(manifest.files, files);
    const migrations = await Promise.all(
      databases.map(async (d) => (await fs.readdir(path.join(repoRoot, "services", d.owner, "migrations"))).map((file) => builtPathOf(`services/${d.owner}/migrations/${file}`))),
    );
    const expected = [...processes.map(builtEntryOf), "scripts/run-process.js", "scripts/migrate.js", ...migrations.flat(), "services/identity/src/domain/common-passwords.txt"];
    for (const file of expected) {
      assert.ok(files.includes(file), `${file} is in the build`);
      await fs.access(path.join(app, "dist", file));
    }
  });

  test("holds no TypeScript, no tests or test helpers and no development tools", () => {
    assert.deepEqual(files.filter((file) => file.endsWith(".ts")), []);
    assert.deepEqual(files.filter((file) => /(^|\/)(test|testing)\//.test(file) || /\.test\.js$/.test(file)), []);
    assert.deepEqual(files.filter((file) => DEV_ONLY_FOLDERS.some((folder) => file.startsWith(`${folder}/`))), []);
  });

  test("is an ES module package mapping #platform/* and #gen/* into itself, as the root package.json maps them into the source tree", async () => {
    const root = JSON.parse(await fs.readFile(path.join(repoRoot, "package.json"), "utf8"));
    const dist = JSON.parse(await fs.readFile(path.join(app, "dist", "package.json"), "utf8"));
    assert.equal(dist.type, "module");
    assert.deepEqual(dist.imports, root.imports);
  });

  test("refuses code that imports a test helper or a development dependency, naming what it imports", async (t) => {
    const fixture = await fs.mkdtemp(path.join(os.tmpdir(), "wallet-build-fixture-"));
    t.after(() => fs.rm(fixture, { recursive: true, force: true }));
    const packageJson = { name: "fixture", version: "0.0.0", type: "module", imports: { "#platform/*": "./platform/*" }, dependencies: { pg: "^8" } };
    await fs.writeFile(path.join(fixture, "package.json"), JSON.stringify(packageJson));
    await fs.mkdir(path.join(fixture, "platform", "testing"), { recursive: true });
    await fs.writeFile(path.join(fixture, "platform", "testing", "helper.ts"), "export const helper = 1;\n");
    await fs.writeFile(path.join(fixture, "platform", "ok.ts"), 'import pg from "pg";\nexport const ok = pg;\n');

    await fs.writeFile(path.join(fixture, "platform", "uses-helper.ts"), 'import { helper } from "#platform/testing/helper.js";\nexport const x = helper;\n');
    await assert.rejects(buildDist({ root: fixture, outDir: path.join(fixture, "dist") }), /testing\/helper\.js/);

    await fs.writeFile(path.join(fixture, "platform", "uses-helper.ts"), 'import YAML from "yaml";\nexport const x = YAML;\n');
    await assert.rejects(buildDist({ root: fixture, outDir: path.join(fixture, "dist") }), /not production dependencies: yaml/);

    await fs.rm(path.join(fixture, "platform", "uses-helper.ts"));
    assert.deepEqual((await buildDist({ root: fixture, outDir: path.join(fixture, "dist") })).packages, ["pg"]);
  });

  describe("the image's entry script (node dist/scripts/run-process.js), with no TypeScript loader", () => {
    const run = (args: string[], env: NodeJS.ProcessEnv = {}) => runNode(["dist/scripts/run-process.js", ...args], env, app);

    test("refuses a name outside the catalogue with exit code 2, listing the processes", async () => {
      const { code, output } = await run(["no-such-process"]);
      assert.equal(code, 2);
      assert.match(output, /unknown process "no-such-process"/);
      for (const entry of processes) assert.ok(output.includes(entry.name), entry.name);
    });

    test("`migrate ledger` applies the ledger's migrations, compiled, to an empty database", async (t) => {
      const database = await createTestDatabase();
      t.after(() => database.drop());
      const { code, output } = await run(["migrate", "ledger"], { NODE_ENV: "production", LEDGER_DATABASE_URL: database.url });
      assert.equal(code, 0, output);
      const names = (await fs.readdir(path.join(repoRoot, "services/ledger/migrations"))).map((file) => file.replace(/\.ts$/, ""));
      assert.ok(output.includes(`applied ${names.sort().join(", ")}`), output);
    });

    test("starts a process of the catalogue by name, which gets ready on /readyz and stops cleanly on SIGTERM", async (t) => {
      const infra = await testInfrastructure();
      const database = await createTestDatabase({ migrationsFolder: path.join(repoRoot, "services/ledger/migrations") });
      const exchange = `test-build-${randomSuffix()}.events`;
      t.after(async () => {
        await database.drop();
        const connection = await amqp.connect(infra.amqpUrl);
        await (await connection.createChannel()).deleteExchange(exchange);
        await connection.close();
      });
      const adminPort = await freePort();
      const env = {
        NODE_ENV: "production",
        LEDGER_DATABASE_URL: database.url,
        AMQP_URL: infra.amqpUrl,
        REDIS_URL: infra.redisUrl,
        OUTBOX_EXCHANGE: exchange,
        ADMIN_PORT: String(adminPort),
        INTERNAL_AUTH_SECRET: randomBytes(32).toString("base64url"),
      };
      const child = spawn(process.execPath, ["dist/scripts/run-process.js", "ledger-outbox-relay"], { cwd: app, env: { PATH: process.env.PATH, ...env }, stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      child.stdout.on("data", (chunk) => (output += chunk));
      child.stderr.on("data", (chunk) => (output += chunk));
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      try {
        let ready = false;
        for (let i = 0; i < 300 && !ready && child.exitCode === null; i++) {
          ready = await fetch(`http://127.0.0.1:${adminPort}/readyz`).then((r) => r.ok, () => false);
          if (!ready) await new Promise((resolve) => setTimeout(resolve, 100));
        }
        assert.ok(ready, `ready on /readyz:\n${output}`);
      } finally {
        child.kill("SIGTERM");
      }
      assert.equal(await exited, 0, output);
      assert.match(output, /ledger-outbox-relay stopped/);
    });
  });
});
