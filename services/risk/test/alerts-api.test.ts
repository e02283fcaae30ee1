/**
 * Alerts: what raises them (thresholds from the rules, a fallback for other
 * currencies, REVIEW postings) and the backoffice RPCs against real
 * PostgreSQL: list with filters and pages, get, acknowledge, resolve with a
 * note, and the refused transitions.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { AlertResolution, AlertSeverity, AlertStatus } from "#gen/wallet/risk/v1/alert_pb.js";
import { alertForMovement, formatMinor, type NewAlert, type PostedMovement } from "../src/domain/alert.js";
import { insertAlert } from "../src/storage/alerts.repository.js";
import { useRisk } from "./support/risk-harness.js";

const risk = useRisk();

async function rejectsWith(call: Promise<unknown>, code: Code, reason?: string): Promise<void> {
  await assert.rejects(call, (err) => {
    const e = ConnectError.from(err);
    assert.equal(e.code, code, String(err));
    if (reason) assert.match(e.rawMessage, new RegExp(reason));
    return true;
  });
}

const movement = (amountMinor: bigint, overrides: Partial<PostedMovement> = {}): PostedMovement => ({
  kind: "TRANSFER",
  transactionId: randomUUID(),
  userId: "user-1",
  accountId: "acc-1",
  amountMinor,
  currency: "EUR",
  underReview: false,
  ...overrides,
});

describe("alerts raised from posted movements", () => {
  test("thresholds come from the amount rules, with a fallback for other currencies", async () => {
    const { deps } = await risk();
    const { rules } = await deps.rules.current();
    const source = randomUUID();
    assert.equal(alertForMovement(movement(999_999n), rules, 1_000n, source), undefined, "just under 10,000 EUR");
    const at = alertForMovement(movement(1_000_000n), rules, 1_000n, source)!;
    assert.deepEqual([at.kind, at.severity, at.ruleIds], ["HIGH_VALUE_TRANSACTION", "HIGH", ["amount.eur.review"]]);
    const critical = alertForMovement(movement(10_000_000n), rules, 1_000n, source)!;
    assert.equal(critical.severity, "CRITICAL");
    // No USD rule: the fallback threshold applies and names no rule.
    assert.equal(alertForMovement(movement(999n, { currency: "USD" }), rules, 1_000n, source), undefined);
    const usd = alertForMovement(movement(1_000n, { currency: "USD", kind: "WITHDRAWAL" }), rules, 1_000n, source)!;
    assert.deepEqual([usd.kind, usd.ruleIds, usd.title], ["HIGH_VALUE_TRANSACTION", [], "Withdrawal of 10.00 USD at or above 10.00"]);
    // Under the threshold but posted under review.
    const review = alertForMovement(movement(5_000n, { underReview: true }), rules, 1_000_000n, source)!;
    assert.deepEqual([review.kind, review.severity], ["REVIEW_DECISION", "MEDIUM"]);
    assert.equal(formatMinor(123_456_789n), "1,234,567.89");
  });
});

describe("alerts API", () => {
  const newAlert = (overrides: Partial<NewAlert> = {}): NewAlert => ({
    kind: "HIGH_VALUE_TRANSACTION",
    severity: "HIGH",
    title: "Transfer of 12,000.00 EUR at or above 10,000.00",
    userId: "user-a",
    accountId: "acc-a",
    transactionId: randomUUID(),
    amount: { amountMinor: 1_200_000n, currency: "EUR" },
    ruleIds: ["amount.eur.review"],
    sourceEventId: randomUUID(),
    ...overrides,
  });

  test("an alert is raised once per source event and kind", async () => {
    const { db } = await risk();
    const alert = newAlert();
    assert.ok(await insertAlert(db, alert, new Date()));
    assert.equal(await insertAlert(db, alert, new Date()), undefined);
    assert.ok(await insertAlert(db, { ...alert, kind: "REVIEW_DECISION" }, new Date()));
  });

  test("list filters and pages newest first; get, acknowledge, resolve", async () => {
    const { db, client } = await risk();
    const user = `user-${randomUUID()}`;
    const base = Date.parse("2026-01-01T00:00:00Z");
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const alert = await insertAlert(db, newAlert({ userId: user, severity: i % 2 === 0 ? "HIGH" : "MEDIUM" }), new Date(base + i * 60_000));
      ids.push(alert!.id);
    }
    const first = await client.listAlerts({ userId: user, page: { pageSize: 2 } });
    assert.deepEqual(first.alerts.map((a) => a.id), [ids[4], ids[3]]);
    const second = await client.listAlerts({ userId: user, page: { pageSize: 2, pageToken: first.page!.nextPageToken } });
    const third = await client.listAlerts({ userId: user, page: { pageSize: 2, pageToken: second.page!.nextPageToken } });
    assert.deepEqual([...second.alerts, ...third.alerts].map((a) => a.id), [ids[2], ids[1], ids[0]]);
    assert.equal(third.page?.nextPageToken, "");
    const high = await client.listAlerts({ userId: user, severity: AlertSeverity.HIGH });
    assert.deepEqual(high.alerts.map((a) => a.id), [ids[4], ids[2], ids[0]]);
    const ranged = await client.listAlerts({
      userId: user,
      timeRange: { startTime: timestampFromDate(new Date(base + 60_000)), endTime: timestampFromDate(new Date(base + 3 * 60_000)) },
    });
    assert.deepEqual(ranged.alerts.map((a) => a.id), [ids[2], ids[1]]);

    const got = (await client.getAlert({ alertId: ids[0]! })).alert!;
    assert.deepEqual([got.status, got.userId, got.amount?.amountMinor, got.amount?.currency, got.ruleIds], [AlertStatus.OPEN, user, 1_200_000n, "EUR", ["amount.eur.review"]]);

    // OPEN -> ACKNOWLEDGED (again: unchanged) -> RESOLVED.
    const acked = (await client.acknowledgeAlert({ alertId: ids[0]! })).alert!;
    assert.deepEqual([acked.status, acked.acknowledgedBy], [AlertStatus.ACKNOWLEDGED, "staff-1"]);
    assert.ok(acked.acknowledgedAt);
    const again = (await client.acknowledgeAlert({ alertId: ids[0]! })).alert!;
    assert.deepEqual(again.acknowledgedAt, acked.acknowledgedAt);
    assert.deepEqual((await client.listAlerts({ userId: user, status: AlertStatus.ACKNOWLEDGED })).alerts.map((a) => a.id), [ids[0]]);

    await rejectsWith(client.resolveAlert({ alertId: ids[0]!, resolution: AlertResolution.FALSE_POSITIVE, note: "  " }), Code.InvalidArgument, "note");
    await rejectsWith(client.resolveAlert({ alertId: ids[0]!, note: "checked" }), Code.InvalidArgument, "resolution");
    const resolved = (await client.resolveAlert({ alertId: ids[0]!, resolution: AlertResolution.FALSE_POSITIVE, note: " salary payment, known payee " })).alert!;
    assert.deepEqual(
      [resolved.status, resolved.resolution, resolved.resolutionNote, resolved.resolvedBy, resolved.acknowledgedBy],
      [AlertStatus.RESOLVED, AlertResolution.FALSE_POSITIVE, "salary payment, known payee", "staff-1", "staff-1"],
    );
    await rejectsWith(client.acknowledgeAlert({ alertId: ids[0]! }), Code.FailedPrecondition);
    await rejectsWith(client.resolveAlert({ alertId: ids[0]!, resolution: AlertResolution.OTHER, note: "again" }), Code.FailedPrecondition);

    // OPEN -> RESOLVED directly.
    const direct = (await client.resolveAlert({ alertId: ids[1]!, resolution: AlertResolution.CONFIRMED_FRAUD, note: "account taken over" })).alert!;
    assert.deepEqual([direct.status, direct.acknowledgedBy, direct.acknowledgedAt], [AlertStatus.RESOLVED, "", undefined]);

    await rejectsWith(client.getAlert({ alertId: randomUUID() }), Code.NotFound);
    await rejectsWith(client.getAlert({ alertId: "nope" }), Code.InvalidArgument);
    await rejectsWith(client.acknowledgeAlert({ alertId: randomUUID() }), Code.NotFound);
    await rejectsWith(client.listAlerts({ page: { pageToken: "garbage" } }), Code.InvalidArgument);
  });
});
