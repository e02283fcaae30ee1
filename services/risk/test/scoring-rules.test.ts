/**
 * ScoreTransaction against real PostgreSQL and Redis: each rule kind at, below
 * and above its limit, velocity windows expiring under an injected clock.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { durationMs } from "@bufbuild/protobuf/wkt";
import { BlocklistKind } from "#gen/wallet/risk/v1/blocklist_pb.js";
import { RuleKind, RuleScope } from "#gen/wallet/risk/v1/rule_pb.js";
import { DAY, Decision, HOUR, MINUTE, money, TransactionKind, transfer, useRisk } from "./support/risk-harness.js";

const risk = useRisk();

describe("ScoreTransaction rules", () => {
  test("AMOUNT_THRESHOLD matches at and above its amount, in its currency only", async () => {
    const { client, scorer, setRules } = await risk();
    await setRules([{ id: "amount.eur", kind: RuleKind.AMOUNT_THRESHOLD, currency: "EUR", thresholdAmount: money(100_000n), decision: Decision.REVIEW, score: 300 }]);
    const below = await scorer.scoreTransaction(transfer(99_999n));
    assert.equal(below.decision, Decision.ALLOW);
    assert.equal(below.score, 0);
    assert.deepEqual(below.reasons, []);
    const at = await scorer.scoreTransaction(transfer(100_000n));
    assert.equal(at.decision, Decision.REVIEW);
    assert.equal(at.score, 300);
    assert.equal(at.reasons[0]?.ruleId, "amount.eur");
    assert.match(at.reasons[0]?.message ?? "", /1000\.00 EUR/);
    assert.equal((await scorer.scoreTransaction(transfer(100_001n))).decision, Decision.REVIEW);
    assert.equal((await scorer.scoreTransaction(transfer(500_000n, { currency: "USD" }))).decision, Decision.ALLOW);
  });

  test("VELOCITY_COUNT per user over 1 minute: at the limit allows, above denies, the window expires", async () => {
    const { client, scorer, clock, setRules } = await risk();
    await setRules([
      { id: "velocity.count.user.1m", kind: RuleKind.VELOCITY_COUNT, scope: RuleScope.USER, window: MINUTE, thresholdCount: 3, decision: Decision.DENY, score: 500 },
    ]);
    const userId = `user-${randomUUID()}`;
    const decisions = [];
    for (let i = 0; i < 4; i++) {
      decisions.push((await scorer.scoreTransaction(transfer(100n, { userId }))).decision);
      clock.advance(1_000);
    }
    assert.deepEqual(decisions, [Decision.ALLOW, Decision.ALLOW, Decision.ALLOW, Decision.DENY]);
    const denied = await scorer.scoreTransaction(transfer(100n, { userId }));
    assert.match(denied.reasons[0]?.message ?? "", /5 movements in 1 minute from this user \(limit 3\)/);
    // A minute later every one of them has left the window.
    clock.advance(60_000);
    assert.equal((await scorer.scoreTransaction(transfer(100n, { userId }))).decision, Decision.ALLOW);
    // Another user is counted apart.
    assert.equal((await scorer.scoreTransaction(transfer(100n))).decision, Decision.ALLOW);
  });

  test("VELOCITY_COUNT per device over 1 hour expires after the hour", async () => {
    const { client, scorer, clock, setRules } = await risk();
    await setRules([
      { id: "velocity.count.device.1h", kind: RuleKind.VELOCITY_COUNT, scope: RuleScope.DEVICE, window: HOUR, thresholdCount: 2, decision: Decision.STEP_UP, score: 200 },
    ]);
    const deviceId = `device-${randomUUID()}`;
    assert.equal((await scorer.scoreTransaction(transfer(100n, { deviceId }))).decision, Decision.ALLOW);
    clock.advance(30 * 60_000);
    assert.equal((await scorer.scoreTransaction(transfer(100n, { deviceId }))).decision, Decision.ALLOW);
    const third = await scorer.scoreTransaction(transfer(100n, { deviceId }));
    assert.equal(third.decision, Decision.STEP_UP);
    assert.ok(third.stepUpMaxAge && durationMs(third.stepUpMaxAge) > 0, "STEP_UP carries the second factor's max age");
    clock.advance(60 * 60_000);
    const later = await scorer.scoreTransaction(transfer(100n, { deviceId }));
    assert.equal(later.decision, Decision.ALLOW);
    assert.equal(later.stepUpMaxAge, undefined);
  });

  test("VELOCITY_SUM per IP over 24 hours: reaching the sum allows, exceeding it steps up, the day expires", async () => {
    const { client, scorer, clock, setRules } = await risk();
    await setRules([
      { id: "velocity.sum.ip.24h", kind: RuleKind.VELOCITY_SUM, scope: RuleScope.IP, window: DAY, currency: "EUR", thresholdAmount: money(10_000n), decision: Decision.STEP_UP, score: 250 },
    ]);
    const ipAddress = "192.0.2.44";
    assert.equal((await scorer.scoreTransaction(transfer(4_000n, { ipAddress }))).decision, Decision.ALLOW);
    clock.advance(12 * 3_600_000);
    assert.equal((await scorer.scoreTransaction(transfer(6_000n, { ipAddress }))).decision, Decision.ALLOW);
    const above = await scorer.scoreTransaction(transfer(1n, { ipAddress }));
    assert.equal(above.decision, Decision.STEP_UP);
    assert.match(above.reasons[0]?.message ?? "", /100\.01 EUR moved in 24 hours from this IP address \(limit 100\.00 EUR\)/);
    // 12 h later the first 4,000 has left the window: 6,000 + 1 + 3,998 = 9,999.
    clock.advance(12 * 3_600_000);
    assert.equal((await scorer.scoreTransaction(transfer(3_998n, { ipAddress }))).decision, Decision.ALLOW);
  });

  test("NEW_COUNTERPARTY matches a first movement at or above its amount, not a repeat", async () => {
    const { client, scorer, setRules } = await risk();
    await setRules([
      { id: "new_counterparty.eur", kind: RuleKind.NEW_COUNTERPARTY, currency: "EUR", thresholdAmount: money(5_000n), transactionKinds: [TransactionKind.TRANSFER], decision: Decision.STEP_UP, score: 150 },
    ]);
    const userId = `user-${randomUUID()}`;
    const below = await scorer.scoreTransaction(transfer(4_999n, { userId, counterpartyAccountId: randomUUID() }));
    assert.equal(below.decision, Decision.ALLOW);
    const payee = randomUUID();
    assert.equal((await scorer.scoreTransaction(transfer(5_000n, { userId, counterpartyAccountId: payee }))).decision, Decision.STEP_UP);
    assert.equal((await scorer.scoreTransaction(transfer(5_000n, { userId, counterpartyAccountId: payee }))).decision, Decision.ALLOW);
    assert.equal((await scorer.scoreTransaction(transfer(5_001n, { userId, counterpartyAccountId: randomUUID() }))).decision, Decision.STEP_UP);
    // Restricted to transfers; no counterparty (a withdrawal to outside) never matches.
    assert.equal((await scorer.scoreTransaction(transfer(9_000n, { userId, counterpartyAccountId: randomUUID(), transactionKind: TransactionKind.WITHDRAWAL }))).decision, Decision.ALLOW);
    assert.equal((await scorer.scoreTransaction(transfer(9_000n, { userId }))).decision, Decision.ALLOW);
  });

  test("NEW_DEVICE_LARGE_AMOUNT matches within the device age at or above its amount", async () => {
    const { client, scorer, clock, setRules } = await risk();
    await setRules([
      { id: "new_device.eur", kind: RuleKind.NEW_DEVICE_LARGE_AMOUNT, currency: "EUR", thresholdAmount: money(50_000n), deviceAge: DAY, decision: Decision.STEP_UP, score: 200 },
    ]);
    const deviceId = `device-${randomUUID()}`;
    assert.equal((await scorer.scoreTransaction(transfer(49_999n, { deviceId }))).decision, Decision.ALLOW);
    assert.equal((await scorer.scoreTransaction(transfer(50_000n, { deviceId }))).decision, Decision.STEP_UP);
    clock.advance(86_400_000 - 1);
    assert.equal((await scorer.scoreTransaction(transfer(50_001n, { deviceId }))).decision, Decision.STEP_UP);
    clock.advance(1);
    assert.equal((await scorer.scoreTransaction(transfer(60_000n, { deviceId }))).decision, Decision.ALLOW, "24 h after first seen the device is no longer new");
  });

  test("STRUCTURING matches the Nth amount just under the threshold in the window", async () => {
    const { client, scorer, clock, setRules } = await risk();
    await setRules([
      { id: "structuring.user.1h", kind: RuleKind.STRUCTURING, scope: RuleScope.USER, window: HOUR, currency: "EUR", thresholdAmount: money(100_000n), marginBps: 1_000, thresholdCount: 3, decision: Decision.REVIEW, score: 300 },
    ]);
    const userId = `user-${randomUUID()}`;
    assert.equal((await scorer.scoreTransaction(transfer(95_000n, { userId }))).decision, Decision.ALLOW);
    assert.equal((await scorer.scoreTransaction(transfer(89_999n, { userId }))).decision, Decision.ALLOW, "below the band");
    assert.equal((await scorer.scoreTransaction(transfer(90_000n, { userId }))).decision, Decision.ALLOW, "two in the band: below the count");
    const third = await scorer.scoreTransaction(transfer(99_999n, { userId }));
    assert.equal(third.decision, Decision.REVIEW, "three in the band: at the count");
    assert.match(third.reasons[0]?.message ?? "", /3 movements just under 1000\.00 EUR/);
    assert.equal((await scorer.scoreTransaction(transfer(100_000n, { userId }))).decision, Decision.ALLOW, "at the threshold is not under it");
    assert.equal((await scorer.scoreTransaction(transfer(91_000n, { userId }))).decision, Decision.REVIEW, "four in the band: above the count");
    clock.advance(3_600_000);
    assert.equal((await scorer.scoreTransaction(transfer(95_000n, { userId }))).decision, Decision.ALLOW, "the hour expired");
  });

  test("BLOCKLIST denies blocked users, devices and IP ranges until removed or expired", async () => {
    const { client, scorer, clock, setRules } = await risk();
    await setRules([
      { id: "blocklist.user", kind: RuleKind.BLOCKLIST, scope: RuleScope.USER, decision: Decision.DENY, score: 1000 },
      { id: "blocklist.device", kind: RuleKind.BLOCKLIST, scope: RuleScope.DEVICE, decision: Decision.DENY, score: 1000 },
      { id: "blocklist.ip", kind: RuleKind.BLOCKLIST, scope: RuleScope.IP, decision: Decision.DENY, score: 1000 },
    ]);
    const userId = `user-${randomUUID()}`;
    const { entry } = await client.addBlocklistEntry({ kind: BlocklistKind.USER, value: userId, reason: "confirmed fraud" });
    assert.equal(entry?.createdBy, "staff-1");
    const again = await client.addBlocklistEntry({ kind: BlocklistKind.USER, value: userId, reason: "twice" });
    assert.equal(again.entry?.id, entry?.id, "adding a blocked value returns the existing entry");
    const denied = await scorer.scoreTransaction(transfer(1n, { userId }));
    assert.equal(denied.decision, Decision.DENY);
    assert.deepEqual(denied.reasons.map((r) => r.ruleId), ["blocklist.user"]);
    assert.match(denied.reasons[0]?.message ?? "", /confirmed fraud/);

    await client.addBlocklistEntry({ kind: BlocklistKind.IP_RANGE, value: "203.0.113.0/24", reason: "botnet" });
    assert.equal((await scorer.scoreTransaction(transfer(1n, { ipAddress: "203.0.113.9" }))).decision, Decision.DENY);
    assert.equal((await scorer.scoreTransaction(transfer(1n, { ipAddress: "203.0.114.9" }))).decision, Decision.ALLOW);

    const deviceId = `device-${randomUUID()}`;
    const expiresAt = { seconds: BigInt(Math.floor(clock().getTime() / 1000) + 60), nanos: 0 };
    await client.addBlocklistEntry({ kind: BlocklistKind.DEVICE, value: deviceId, reason: "stolen phone", expiresAt });
    assert.equal((await scorer.scoreTransaction(transfer(1n, { deviceId }))).decision, Decision.DENY);
    clock.advance(61_000);
    assert.equal((await scorer.scoreTransaction(transfer(1n, { deviceId }))).decision, Decision.ALLOW, "expired entry");

    const listed = await client.listBlocklistEntries({ kind: BlocklistKind.USER, value: userId });
    assert.equal(listed.entries.length, 1);
    await client.removeBlocklistEntry({ entryId: entry!.id });
    assert.equal((await scorer.scoreTransaction(transfer(1n, { userId }))).decision, Decision.ALLOW);
    assert.equal((await client.listBlocklistEntries({ includeExpired: true })).entries.length, 2);
  });
});
