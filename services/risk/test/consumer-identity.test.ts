/**
 * Identity events on the risk consumer (real PostgreSQL, Redis and
 * RabbitMQ): devices seen at login or registration are remembered as first
 * seen then, for the new-device rule; a session revoked for refresh-token
 * reuse raises one HIGH alert, other revocations none.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { DeviceRegisteredSchema, LoginFromNewDeviceSchema, SessionRevocationReason, SessionRevokedSchema } from "#gen/wallet/events/v1/identity_events_pb.js";
import { RuleKind } from "#gen/wallet/risk/v1/rule_pb.js";
import { useTestAmqp } from "#platform/testing/index.js";
import { encodeEvent, eventually, publishEvents, settled, startRiskConsumer } from "./support/consumer-harness.js";
import { DAY, Decision, money, transfer, useRisk, type RiskHarness } from "./support/risk-harness.js";

const risk = useRisk();
const amqp = useTestAmqp();

const HOUR_MS = 3_600_000;

function loginFromNewDevice(userId: string, deviceId: string, loggedInAt: Date) {
  const value = create(LoginFromNewDeviceSchema, { userId, sessionId: randomUUID(), deviceId, loggedInAt: timestampFromDate(loggedInAt) });
  return encodeEvent("identity", { case: "loginFromNewDevice", value });
}

function sessionRevoked(userId: string, reason: SessionRevocationReason) {
  const value = create(SessionRevokedSchema, { userId, sessionId: `session-1`, deviceId: "device-1", reason });
  return encodeEvent("identity", { case: "sessionRevoked", value });
}

/** When the store says the device was first seen, as the next scored movement from it observes. */
async function deviceFirstSeenAt(h: RiskHarness, deviceId: string) {
  const movement = { reference: randomUUID(), userId: `user-${randomUUID()}`, deviceId, ipAddress: "", currency: "EUR", amountMinor: 1n };
  return (await h.deps.velocity.record(movement, [], h.clock())).deviceFirstSeenAt;
}

const alertsOf = (h: RiskHarness, userId: string) => h.db.selectFrom("risk_alerts").selectAll().where("user_id", "=", userId).execute();

describe("devices seen by identity", () => {
  test("a LoginFromNewDevice records the device as first seen at the login time", async (t) => {
    const h = await risk();
    const consumer = await startRiskConsumer(t, h, await amqp(), "login");
    const deviceId = `device-${randomUUID()}`;
    const loggedInAt = new Date(h.clock().getTime() - 2 * HOUR_MS);
    await publishEvents(await amqp(), consumer.exchange, [loginFromNewDevice(`user-${randomUUID()}`, deviceId, loggedInAt)]);
    await eventually("the login", async () => (await settled(consumer)) === 1);

    assert.deepEqual(await deviceFirstSeenAt(h, deviceId), loggedInAt);
  });

  test("a DeviceRegistered records the device as first seen when it occurred", async (t) => {
    const h = await risk();
    const consumer = await startRiskConsumer(t, h, await amqp(), "registered");
    const deviceId = `device-${randomUUID()}`;
    const registeredAt = new Date(h.clock().getTime() - 3 * HOUR_MS);
    const value = create(DeviceRegisteredSchema, { userId: `user-${randomUUID()}`, deviceId, name: "Pixel 8" });
    await publishEvents(await amqp(), consumer.exchange, [encodeEvent("identity", { case: "deviceRegistered", value }, registeredAt)]);
    await eventually("the registration", async () => (await settled(consumer)) === 1);

    assert.deepEqual(await deviceFirstSeenAt(h, deviceId), registeredAt);
  });

  test("a device that logged in two days ago is not new to the new-device rule", async (t) => {
    const h = await risk();
    await h.setRules([
      { id: "new_device.eur", kind: RuleKind.NEW_DEVICE_LARGE_AMOUNT, currency: "EUR", thresholdAmount: money(50_000n), deviceAge: DAY, decision: Decision.STEP_UP, score: 200 },
    ]);
    const consumer = await startRiskConsumer(t, h, await amqp(), "old-device");
    const userId = `user-${randomUUID()}`;
    const deviceId = `device-${randomUUID()}`;
    await publishEvents(await amqp(), consumer.exchange, [loginFromNewDevice(userId, deviceId, new Date(h.clock().getTime() - 48 * HOUR_MS))]);
    await eventually("the login", async () => (await settled(consumer)) === 1);

    const scored = await h.scorer.scoreTransaction(transfer(100_000n, { userId, deviceId }));
    assert.equal(scored.decision, Decision.ALLOW);
  });
});

describe("revoked sessions", () => {
  test("a SessionRevoked for refresh-token reuse raises one HIGH alert even when delivered twice", async (t) => {
    const h = await risk();
    const consumer = await startRiskConsumer(t, h, await amqp(), "reuse");
    const userId = `user-${randomUUID()}`;
    const event = sessionRevoked(userId, SessionRevocationReason.REFRESH_TOKEN_REUSE);
    await publishEvents(await amqp(), consumer.exchange, [event, event]);
    await eventually("both deliveries", async () => (await settled(consumer)) === 2);

    const alerts = await alertsOf(h, userId);
    assert.deepEqual(
      alerts.map((a) => [a.kind, a.severity, a.status, a.source_event_id, a.title]),
      [["REFRESH_TOKEN_REUSE", "HIGH", "OPEN", event.eventId, "Refresh token reused for session session-1 on device device-1: possible token theft"]],
    );
    const outbox = await h.db.selectFrom("outbox_events" as any).selectAll().where("aggregate_id", "=", alerts[0]!.id).execute();
    assert.deepEqual(outbox.map((row: any) => row.event_type), ["wallet.events.v1.RiskAlertRaised"]);
  });

  test("a SessionRevoked for any other reason raises no alert", async (t) => {
    const h = await risk();
    const consumer = await startRiskConsumer(t, h, await amqp(), "other-reasons");
    const userId = `user-${randomUUID()}`;
    const others = [
      SessionRevocationReason.UNSPECIFIED,
      SessionRevocationReason.LOGOUT,
      SessionRevocationReason.USER_REVOKED,
      SessionRevocationReason.DEVICE_REVOKED,
      SessionRevocationReason.PASSWORD_CHANGED,
      SessionRevocationReason.STAFF,
    ];
    await publishEvents(await amqp(), consumer.exchange, others.map((reason) => sessionRevoked(userId, reason)));
    await eventually("every revocation", async () => (await settled(consumer)) === others.length);

    assert.deepEqual(await alertsOf(h, userId), []);
  });
});
