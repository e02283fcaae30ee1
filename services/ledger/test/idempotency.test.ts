import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code } from "@connectrpc/connect";
import { sql } from "kysely";
import { sweepExpiredIdempotencyKeys } from "#platform/idempotency/index.js";
import { eur, fundedWallet, key, openWallet, refusal, useLedger } from "./support/ledger-harness.js";

const ledger = useLedger({ poolSize: 20 });

describe("ledger idempotency", () => {
  it("posts once for 50 concurrent identical transfers and gives all of them the same response", async () => {
    const { client: clientOf, db } = await ledger();
    const client = clientOf();
    const from = await fundedWallet(client, 1_000);
    const to = await openWallet(client);
    const request = { fromAccountId: from, toAccountId: to, amount: eur(100), idempotencyKey: key() };
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => client.transfer(request)));
    const ok = results.filter((r) => r.status === "fulfilled").map((r) => r.value);
    assert.equal(ok.length, 50, "every caller waits for the first and gets its response");
    assert.equal(new Set(ok.map((r) => r.transaction!.id)).size, 1);
    const postings = await db.selectFrom("postings").select("id").where("source_account_id", "=", from).execute();
    assert.equal(postings.length, 1);
    assert.equal((await client.getBalance({ accountId: from })).balance?.posted?.amountMinor, 900n);
  });

  it("refuses the same key with a different request with IDEMPOTENCY_KEY_REUSED naming the key", async () => {
    const client = (await ledger()).client();
    const from = await fundedWallet(client, 1_000);
    const to = await openWallet(client);
    const idempotencyKey = key();
    await client.transfer({ fromAccountId: from, toAccountId: to, amount: eur(1), idempotencyKey });
    const r = await refusal(client.transfer({ fromAccountId: from, toAccountId: to, amount: eur(2), idempotencyKey }));
    assert.deepEqual([r.code, r.reason, r.metadata.idempotency_key], [Code.FailedPrecondition, "IDEMPOTENCY_KEY_REUSED", idempotencyKey]);
    assert.match(r.message, new RegExp(idempotencyKey));
  });

  it("refuses a key reused for another method with IDEMPOTENCY_KEY_REUSED", async () => {
    const client = (await ledger()).client();
    const wallet = await fundedWallet(client, 1_000);
    const idempotencyKey = key();
    await client.withdraw({ accountId: wallet, amount: eur(1), idempotencyKey });
    const r = await refusal(client.topUp({ accountId: wallet, amount: eur(1), idempotencyKey }));
    assert.equal(r.reason, "IDEMPOTENCY_KEY_REUSED");
  });

  it("treats requests differing only in metadata order or risk context as the same", async () => {
    const client = (await ledger()).client();
    const from = await fundedWallet(client, 1_000);
    const to = await openWallet(client);
    const idempotencyKey = key();
    const first = await client.transfer({ fromAccountId: from, toAccountId: to, amount: eur(5), metadata: { a: "1", b: "2" }, idempotencyKey });
    const retry = await client.transfer({
      fromAccountId: from,
      toAccountId: to,
      amount: eur(5),
      metadata: { b: "2", a: "1" },
      idempotencyKey,
      riskContext: { ipAddress: "10.0.0.9" },
    });
    assert.equal(retry.transaction?.id, first.transaction?.id);
  });

  it("scopes keys to the caller: another caller's same key executes separately", async () => {
    const harness = await ledger();
    const bff = harness.client("mobile-bff");
    const backoffice = harness.client("backoffice");
    const wallet = await openWallet(bff);
    const idempotencyKey = key();
    const a = await bff.topUp({ accountId: wallet, amount: eur(10), idempotencyKey });
    const b = await backoffice.topUp({ accountId: wallet, amount: eur(10), idempotencyKey });
    assert.notEqual(a.transaction?.id, b.transaction?.id);
    assert.equal((await bff.getBalance({ accountId: wallet })).balance?.posted?.amountMinor, 20n);
  });

  it("does not remember a refusal: a retry with the key executes again and may succeed", async () => {
    const client = (await ledger()).client();
    const from = await fundedWallet(client, 50);
    const to = await openWallet(client);
    const request = { fromAccountId: from, toAccountId: to, amount: eur(80), idempotencyKey: key() };
    assert.equal((await refusal(client.transfer(request))).reason, "INSUFFICIENT_FUNDS");
    await client.topUp({ accountId: from, amount: eur(50), idempotencyKey: key() });
    const res = await client.transfer(request);
    assert.equal(res.fromBalance?.posted?.amountMinor, 20n);
  });

  it("refuses with IDEMPOTENCY_KEY_IN_PROGRESS when the first request with the key outlasts the wait", async () => {
    const harness = await ledger();
    const client = harness.client();
    const wallet = await openWallet(client);
    const idempotencyKey = key();
    // Simulate a first request still running: an open transaction holding the key row uncommitted.
    const { db } = harness;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let inserted!: () => void;
    const ready = new Promise<void>((r) => (inserted = r));
    const blocker = db.transaction().execute(async (trx) => {
      await sql`INSERT INTO idempotency_keys (scope, key, method, request_hash, response, expires_at)
                VALUES ('mobile-bff', ${idempotencyKey}, 'x', ''::bytea, ''::bytea, now() + interval '1 hour')`.execute(trx);
      inserted();
      await held;
      throw new Error("roll back");
    });
    await ready;
    const fast = { ...harness.deps, config: { ...harness.deps.config, idempotencyWaitMs: 200 } };
    const { createLedgerRoutes } = await import("../src/routes.js");
    const { createClient, createRouterTransport } = await import("@connectrpc/connect");
    const { LedgerService } = await import("#gen/wallet/ledger/v1/ledger_service_pb.js");
    const { asVerifiedCaller } = await import("#platform/internal-auth/testing/index.js");
    const impatient = createClient(
      LedgerService,
      createRouterTransport(createLedgerRoutes(fast), {
        router: { interceptors: [asVerifiedCaller("mobile-bff")] },
      }),
    );
    const r = await refusal(impatient.topUp({ accountId: wallet, amount: eur(1), idempotencyKey }));
    assert.deepEqual([r.code, r.reason, r.metadata.idempotency_key], [Code.Aborted, "IDEMPOTENCY_KEY_IN_PROGRESS", idempotencyKey]);
    release();
    await blocker.catch(() => undefined);
    const after = await client.topUp({ accountId: wallet, amount: eur(1), idempotencyKey });
    assert.equal(after.balance?.posted?.amountMinor, 1n);
  });

  it("sweeps keys past their retention, after which the key executes again", async () => {
    const harness = await ledger();
    const client = harness.client();
    const wallet = await openWallet(client);
    const idempotencyKey = key();
    await client.topUp({ accountId: wallet, amount: eur(1), idempotencyKey });
    await sql`UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = ${idempotencyKey}`.execute(harness.db);
    assert.ok((await sweepExpiredIdempotencyKeys(harness.db)) >= 1);
    const again = await client.topUp({ accountId: wallet, amount: eur(1), idempotencyKey });
    assert.equal(again.balance?.posted?.amountMinor, 2n);
  });
});
