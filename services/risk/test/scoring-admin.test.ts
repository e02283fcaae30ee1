/**
 * Rules as data through the RPCs (real PostgreSQL and Redis): seeded
 * defaults, most-severe-wins, rule changes effective without a restart (on
 * this replica at once, on others at the next reload), optimistic versions,
 * reference replay and argument checks.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { createSilentLogger } from "#platform/logging/index.js";
import { RuleKind, RuleScope } from "#gen/wallet/risk/v1/rule_pb.js";
import { createRulesCache } from "../src/rules-cache.js";
import { Decision, money, transfer, useRisk } from "./support/risk-harness.js";
import { durationFromMs } from "@bufbuild/protobuf/wkt";

const risk = useRisk();

/** Asserts the call fails with `code`. */
async function rejectsWith(call: Promise<unknown>, code: Code): Promise<void> {
  await assert.rejects(call, (err) => {
    assert.equal(ConnectError.from(err).code, code, String(err));
    return true;
  });
}

describe("rules as data", () => {
  test("the migration seeds default rules, listed by id page by page", async () => {
    const { client, scorer } = await risk();
    const first = await client.listRules({ page: { pageSize: 5 } });
    assert.equal(first.rules.length, 5);
    assert.notEqual(first.page?.nextPageToken, "");
    const rest = await client.listRules({ page: { pageSize: 100, pageToken: first.page!.nextPageToken } });
    const ids = [...first.rules, ...rest.rules].map((r) => r.id);
    assert.deepEqual(ids, [...ids].sort());
    assert.ok(ids.includes("amount.eur.review") && ids.includes("blocklist.ip") && ids.includes("structuring.user.24h.eur"), ids.join());
    const blocklist = await client.listRules({ kind: RuleKind.BLOCKLIST });
    assert.equal(blocklist.rules.length, 3);
    // The defaults score: 60,000 EUR from a fresh device is a STEP_UP (amounts, new device, and over the day's sum).
    const scored = await scorer.scoreTransaction(transfer(6_000_000n));
    assert.equal(scored.decision, Decision.STEP_UP);
    assert.deepEqual(scored.reasons.map((r) => r.ruleId).sort(), ["amount.eur.review", "amount.eur.step_up", "new_device.eur", "velocity.sum.user.24h.eur"]);
  });

  test("the most severe decision wins and scores add up, capped at 1000", async () => {
    const { client, scorer, setRules } = await risk();
    const amount = (id: string, minor: bigint, decision: Decision, score: number) => ({
      id,
      kind: RuleKind.AMOUNT_THRESHOLD,
      currency: "EUR",
      thresholdAmount: money(minor),
      decision,
      score,
    });
    await setRules([amount("a.review", 1_000n, Decision.REVIEW, 300), amount("b.deny", 3_000n, Decision.DENY, 500), amount("c.step_up", 2_000n, Decision.STEP_UP, 400)]);
    const review = await scorer.scoreTransaction(transfer(1_500n));
    assert.deepEqual([review.decision, review.score], [Decision.REVIEW, 300]);
    const stepUp = await scorer.scoreTransaction(transfer(2_500n));
    assert.deepEqual([stepUp.decision, stepUp.score], [Decision.STEP_UP, 700]);
    const deny = await scorer.scoreTransaction(transfer(3_000n));
    assert.deepEqual([deny.decision, deny.score], [Decision.DENY, 1000]);
    assert.deepEqual(
      deny.reasons.map((r) => [r.ruleId, r.decision, r.score]),
      [
        ["a.review", Decision.REVIEW, 300],
        ["b.deny", Decision.DENY, 500],
        ["c.step_up", Decision.STEP_UP, 400],
      ],
    );
  });

  test("UpsertRule and DeleteRule take effect without a restart; other replicas follow at their next reload", async () => {
    const { client, scorer, db, clock, setRules } = await risk();
    await setRules([{ id: "amount.eur", kind: RuleKind.AMOUNT_THRESHOLD, currency: "EUR", thresholdAmount: money(100_000n), decision: Decision.REVIEW, score: 300 }]);
    const replica = createRulesCache(db, clock, createSilentLogger());
    assert.equal((await replica.current()).rules[0]?.thresholdMinor, 100_000n);
    assert.equal((await scorer.scoreTransaction(transfer(150_000n))).decision, Decision.REVIEW);

    const { rule } = await client.upsertRule({
      rule: { id: "amount.eur", kind: RuleKind.AMOUNT_THRESHOLD, currency: "EUR", thresholdAmount: money(200_000n), decision: Decision.REVIEW, score: 300, enabled: true },
      expectedVersion: 1n,
    });
    assert.equal(rule?.version, 2n);
    assert.equal((await scorer.scoreTransaction(transfer(150_000n))).decision, Decision.ALLOW, "this replica applies the change at once");
    assert.equal((await scorer.scoreTransaction(transfer(200_000n))).decision, Decision.REVIEW);

    const abort = new AbortController();
    replica.startRefreshing(20, abort.signal);
    try {
      const deadline = Date.now() + 2_000;
      while ((await replica.current()).rules[0]?.thresholdMinor !== 200_000n) {
        assert.ok(Date.now() < deadline, "the other replica reloads within its interval");
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    } finally {
      abort.abort();
    }

    await rejectsWith(client.upsertRule({ rule: { ...rule!, version: 0n }, expectedVersion: 1n }), Code.Aborted);
    await client.upsertRule({ rule: { ...rule!, enabled: false } });
    assert.equal((await scorer.scoreTransaction(transfer(900_000n))).decision, Decision.ALLOW, "a disabled rule is not evaluated");
    assert.equal((await client.listRules({ enabledOnly: true })).rules.length, 0);
    await client.deleteRule({ ruleId: "amount.eur" });
    await rejectsWith(client.deleteRule({ ruleId: "amount.eur" }), Code.NotFound);
    assert.equal((await client.listRules({})).rules.length, 0);
  });

  test("UpsertRule refuses what a kind needs but lacks", async () => {
    const { client, scorer } = await risk();
    const base = { id: "velocity.x", kind: RuleKind.VELOCITY_COUNT, scope: RuleScope.USER, thresholdCount: 3, decision: Decision.DENY, score: 10, enabled: true };
    await rejectsWith(client.upsertRule({ rule: base }), Code.InvalidArgument);
    await rejectsWith(client.upsertRule({ rule: { ...base, window: durationFromMs(120_000) } }), Code.InvalidArgument);
    await rejectsWith(client.upsertRule({ rule: { ...base, kind: RuleKind.UNSPECIFIED, window: durationFromMs(60_000) } }), Code.InvalidArgument);
    await rejectsWith(
      client.upsertRule({ rule: { id: "amount.x", kind: RuleKind.AMOUNT_THRESHOLD, currency: "EUR", thresholdAmount: money(1n, "USD"), decision: Decision.DENY, score: 1 } }),
      Code.InvalidArgument,
    );
  });
});

describe("ScoreTransaction requests", () => {
  test("the same reference answers the same assessment and counts once toward velocity", async () => {
    const { client, scorer, setRules } = await risk();
    await setRules([{ id: "velocity.count.user.1m", kind: RuleKind.VELOCITY_COUNT, scope: RuleScope.USER, window: durationFromMs(60_000), thresholdCount: 1, decision: Decision.DENY, score: 500 }]);
    const request = transfer(100n, { userId: `user-${randomUUID()}` });
    const first = await scorer.scoreTransaction(request);
    const replay = await scorer.scoreTransaction(request);
    assert.equal(first.decision, Decision.ALLOW);
    assert.equal(replay.assessmentId, first.assessmentId);
    assert.equal(replay.decision, Decision.ALLOW);
    assert.equal((await scorer.scoreTransaction({ ...request, referenceId: randomUUID() })).decision, Decision.DENY, "a new reference counts");
  });

  test("a missing user or amount is INVALID_ARGUMENT", async () => {
    const { client, scorer } = await risk();
    await rejectsWith(scorer.scoreTransaction({ ...transfer(1n), userId: "" }), Code.InvalidArgument);
    await rejectsWith(scorer.scoreTransaction({ ...transfer(1n), amount: undefined }), Code.InvalidArgument);
    await rejectsWith(scorer.scoreTransaction({ ...transfer(1n), amount: money(1n, "eur") }), Code.InvalidArgument);
  });
});
