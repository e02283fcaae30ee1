/**
 * The edge as it runs (protections, the resilient upstream over the platform's
 * gRPC client) in front of the REAL mobile BFF, identity and ledger servers
 * of the BFF's test mesh; the BFF reaches the ledger through a TCP proxy that
 * can cut the connection as a crashing ledger would. Requests are REST+JSON
 * with a real access token, as an app sends them.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { before, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { Registry } from "prom-client";
import { useResource, useTestRedis } from "#platform/testing/index.js";
import { MobileBffService } from "#gen/wallet/bff/v1/mobile_bff_service_pb.js";
import { holdBalanceLock, signer, useBffMesh, type BffMesh, type TestUser } from "../../mobile-bff/test/support/bff-harness.js";
import { createEdgeApp } from "../src/edge-app.js";
import { createResilientUpstream } from "../src/protections/index.js";
import { createUpstreamCaller } from "../src/rest/upstream.js";
import { testSettings } from "./protections-fixtures.js";

const mesh = useBffMesh({ ledgerProxy: true });
const redis = useTestRedis();
const edge = useResource(
  async (): Promise<FastifyInstance> => {
    const [m, r] = await Promise.all([mesh(), redis()]);
    const settings = testSettings({
      jwks: { url: new URL("/.well-known/jwks.json", m.servers.identity.url).toString(), issuer: m.identity.deps.config.issuer, audience: m.identity.deps.config.audience },
      upstream: { timeoutMs: 5_000, maxRetries: 2, breakerFailures: 100 },
    });
    const caller = createUpstreamCaller({ baseUrls: new Map([[MobileBffService.typeName, m.servers.bff.url]]), internalAuth: signer("gateway") });
    const upstream = createResilientUpstream(caller, { registry: new Registry(), defaultPolicy: { ...settings.upstream, initialBackoffMs: 1, maxBackoffMs: 5 } });
    return createEdgeApp({ upstream, protections: { settings, redis: r.redis, keyPrefix: r.prefix, auditLogger: pino({ enabled: false }) } });
  },
  (app) => app.close(),
);

let m: BffMesh;
let app: FastifyInstance;
before(async () => {
  [m, app] = await Promise.all([mesh(), edge()]);
});

/** A customer with a funded EUR wallet. */
async function funded(amount: bigint): Promise<{ user: TestUser; accountId: string }> {
  const user = await m.customer();
  const accountId = (await user.bff.listAccounts({})).accounts[0]!.id;
  if (amount > 0n) await m.topUp(accountId, amount);
  return { user, accountId };
}

/** POST /v1/transfers through the edge. */
const transfer = (user: TestUser, idempotencyKey: string, recipientAccountId: string, amountMinor: number) =>
  app.inject({
    method: "POST",
    url: "/v1/transfers",
    headers: { authorization: `Bearer ${user.accessToken}`, "idempotency-key": idempotencyKey },
    payload: { recipientAccountId, amount: { amountMinor: String(amountMinor), currency: "EUR" } },
  });

test("a transfer repeated through the edge with the same Idempotency-Key answers Idempotent-Replayed: true, the first answer without it", async () => {
  const [a, b] = await Promise.all([funded(5_000n), funded(0n)]);
  const k = randomUUID();
  const first = await transfer(a.user, k, b.accountId, 700);
  assert.equal(first.statusCode, 200, first.body);
  assert.equal(first.headers["idempotent-replayed"], undefined);
  const second = await transfer(a.user, k, b.accountId, 700);
  assert.equal(second.statusCode, 200, second.body);
  assert.equal(second.headers["idempotent-replayed"], "true");
  assert.equal(second.json().transaction.id, first.json().transaction.id);
});

test("a transfer whose ledger dies in the middle is answered 503 problem+json with Retry-After, and its retry with the same key answers the committed transfer as a replay", async () => {
  const [a, b] = await Promise.all([funded(5_000n), funded(0n)]);
  const k = randomUUID();
  const lock = await holdBalanceLock(m, a.accountId);
  const answer = transfer(a.user, k, b.accountId, 1_200);
  await lock.waiting(); // the transfer is inside the ledger, its transaction open
  m.ledgerProxy!.cut(); // the edge's own retries find the ledger gone too
  const refused = await answer;
  m.ledgerProxy!.restore();
  await lock.release(); // the ledger goes on and commits the transfer
  assert.equal(refused.statusCode, 503, refused.body);
  assert.ok(Number(refused.headers["retry-after"]) >= 1);
  assert.match(String(refused.headers["content-type"]), /^application\/problem\+json/);
  assert.equal(refused.json().status, 503);

  const retried = await transfer(a.user, k, b.accountId, 1_200);
  assert.equal(retried.statusCode, 200, retried.body);
  assert.equal(retried.headers["idempotent-replayed"], "true");
  assert.equal(retried.json().balance.available.amountMinor, "3800");
});
