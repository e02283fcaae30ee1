/** What `npm start` derives from PORT_OFFSET and MESH_NAME. */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { databases, processByName, processes } from "../../../platform/mesh/catalogue.js";
import type { Infrastructure } from "../../../platform/testing/infrastructure.js";
import { meshIdentityFromEnv, meshStateNames, sharedMeshEnv, signingEnvOf } from "../mesh-env.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const infra = { postgresUrl: "postgres://postgres@127.0.0.1:5432/postgres", redisUrl: "redis://127.0.0.1:6379", amqpUrl: "amqp://guest:guest@127.0.0.1:5672" } as Infrastructure;

test("a mesh on shifted ports without a name of its own is named after its offset", () => {
  assert.deepEqual(meshIdentityFromEnv({ PORT_OFFSET: "100" }), { name: "wallet-100", offset: 100 });
  assert.deepEqual(meshIdentityFromEnv({}), { name: "wallet", offset: 0 });
  assert.deepEqual(meshIdentityFromEnv({ MESH_NAME: "blue" }), { name: "blue", offset: 0 });
});

test("a malformed PORT_OFFSET or MESH_NAME is refused naming the variable", () => {
  assert.throws(() => meshIdentityFromEnv({ PORT_OFFSET: "-5" }), /PORT_OFFSET/);
  assert.throws(() => meshIdentityFromEnv({ PORT_OFFSET: "1.5" }), /PORT_OFFSET/);
  assert.throws(() => meshIdentityFromEnv({ MESH_NAME: "Blue Mesh" }), /MESH_NAME/);
});

test("every process signs with a key of its own, listed under its service's caller id for every receiver", () => {
  const env = sharedMeshEnv(infra, { INTERNAL_AUTH_SECRET: "a-shared-secret-of-the-user-0123456789" }, { name: "wallet", offset: 0 });
  const callerKeys = JSON.parse(env.INTERNAL_AUTH_CALLER_KEYS!) as Record<string, Record<string, string>>;
  const secrets = processes.map((entry) => {
    const own = signingEnvOf(env, entry);
    assert.equal(own.INTERNAL_AUTH_KEY_ID, entry.name);
    assert.equal(callerKeys[entry.service]![entry.name], own.INTERNAL_AUTH_SECRET, `${entry.name} is listed under ${entry.service}`);
    return own.INTERNAL_AUTH_SECRET;
  });
  assert.equal(new Set(secrets).size, processes.length, "no two processes share a key, and none is the user's shared secret");
  assert.ok(!secrets.includes("a-shared-secret-of-the-user-0123456789"));
  assert.deepEqual(Object.keys(callerKeys["ledger"]!).sort(), ["ledger", "ledger-outbox-relay"]);
  assert.equal(env.INTERNAL_AUTH_SECRET, undefined, "no secret is shared by the whole mesh");
  const again = sharedMeshEnv(infra, {}, { name: "wallet", offset: 0 });
  assert.notEqual(signingEnvOf(again, processByName("ledger")).INTERNAL_AUTH_SECRET, signingEnvOf(env, processByName("ledger")).INTERNAL_AUTH_SECRET, "made per run");
});

test("keys the user lists in INTERNAL_AUTH_CALLER_KEYS join the mesh's (an external caller, a test's key for a caller)", () => {
  const payments = "p".repeat(40);
  const testBackoffice = "t".repeat(40);
  const env = sharedMeshEnv(infra, { INTERNAL_AUTH_CALLER_KEYS: JSON.stringify({ payments: { k1: payments }, backoffice: { test: testBackoffice } }) }, { name: "wallet", offset: 0 });
  const callerKeys = JSON.parse(env.INTERNAL_AUTH_CALLER_KEYS!) as Record<string, Record<string, string>>;
  assert.deepEqual(callerKeys["payments"], { k1: payments });
  assert.deepEqual(Object.keys(callerKeys["backoffice"]!).sort(), ["backoffice", "test"]);
  assert.throws(() => sharedMeshEnv(infra, { INTERNAL_AUTH_CALLER_KEYS: "payments:short" }, { name: "wallet", offset: 0 }), /INTERNAL_AUTH_CALLER_KEYS/);
});

test("identity's key set is looked up on the mesh's own identity port", () => {
  const env = sharedMeshEnv(infra, {}, { name: "wallet-100", offset: 100 });
  assert.equal(env.IDENTITY_URL, "http://127.0.0.1:8181");
  assert.equal(env.IDENTITY_JWKS_URL, "http://127.0.0.1:8181/.well-known/jwks.json");
  assert.equal(env.IDENTITY_ISSUER, "http://127.0.0.1:8181");
});

test("the default mesh keeps the catalogue's database names and the services' own defaults", () => {
  const env = sharedMeshEnv(infra, {}, { name: "wallet", offset: 0 });
  assert.equal(env.LEDGER_DATABASE_URL, "postgres://postgres@127.0.0.1:5432/wallet_ledger");
  assert.deepEqual(meshStateNames("wallet"), {});
});

test("a named mesh has databases of its own", () => {
  const env = sharedMeshEnv(infra, {}, { name: "blue-2", offset: 0 });
  for (const database of databases) {
    assert.match(env[database.env]!, /\/blue_2_[a-z_]+$/, database.env);
  }
});

/** Every environment variable a service or the platform declares that names shared Redis or RabbitMQ state. */
function stateVariablesInCode(): Set<string> {
  const found = new Set<string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const file = path.join(dir, name);
      if (statSync(file).isDirectory()) {
        if (!["test", "testing", "node_modules", "migrations"].includes(name)) walk(file);
      } else if (file.endsWith(".ts")) {
        for (const match of readFileSync(file, "utf8").matchAll(/\b([A-Z][A-Z0-9_]*(?:_REDIS_PREFIX|_EXCHANGE|_QUEUE)):\s/g)) found.add(match[1]!);
      }
    }
  };
  walk(path.join(repoRoot, "services"));
  walk(path.join(repoRoot, "platform"));
  return found;
}

test("a named mesh sets every Redis key prefix, exchange and queue variable the code declares, each to a name of its own", () => {
  const declared = stateVariablesInCode();
  assert.ok(declared.size >= 8, `found ${[...declared].join(", ")}`);
  const names = meshStateNames("blue");
  for (const variable of declared) {
    assert.ok(names[variable], `npm start does not set ${variable} for a named mesh`);
    assert.match(names[variable]!, /^blue[.:]/, variable);
  }
});

test("a variable the user set wins over the mesh's derived name", () => {
  const env = sharedMeshEnv(infra, { RISK_CONSUMER_QUEUE: "mine" }, { name: "blue", offset: 0 });
  assert.equal(env.RISK_CONSUMER_QUEUE, "mine");
});
