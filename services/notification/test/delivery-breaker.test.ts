/**
 * The circuit breaker per provider: an outage longer than the retry budget
 * pauses the channel instead of dead-lettering what is queued; a refusal of
 * one message says nothing about the provider; one channel's outage does not
 * hold back another.
 */
import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { test } from "node:test";
import type { RunningWorker } from "./support/delivery-harness.js";
import { insertNotification, readNotification, useDelivery, waitForStatus, waitUntil } from "./support/delivery-harness.js";

const delivery = useDelivery();

/** notification_deliveries_total of one outcome, all channels. */
async function outcomes(worker: RunningWorker, outcome: string): Promise<number> {
  const metric = await worker.registry.getSingleMetric("notification_deliveries_total")!.get();
  return metric.values.filter((v) => v.labels.outcome === outcome).reduce((sum, v) => sum + v.value, 0);
}

test("an outage longer than the retry budget dead-letters nothing: the channel pauses, then every message arrives once", async () => {
  const { db, requests, sink, startWorker } = await delivery();
  sink.mode = "down";
  const ids = await Promise.all(Array.from({ length: 4 }, () => insertNotification(db, { channel: "SMS" })));
  const worker = startWorker({ maxAttempts: 3, backoff: { baseMs: 10, maxMs: 20 }, breaker: { failures: 2, halfOpenAfterMs: 150 } });
  try {
    await waitUntil(async () => (await outcomes(worker, "circuit_open")) >= 8, "the paused channel postponed its messages");
    // Without the breaker three attempts 10-20 ms apart would have dead-lettered all four by now.
    await delay(600);
    const paused = await Promise.all(ids.map((id) => readNotification(db, id)));
    assert.deepEqual(paused.filter((row) => row.status === "DEAD_LETTERED"), []);
    assert.ok(paused.every((row) => row.attempts < 3), "half-open trials spend no attempt");

    sink.mode = "up";
    for (const id of ids) await waitForStatus(db, id, "SENT");
  } finally {
    await worker.stop();
  }
  for (const id of ids) {
    assert.equal(requests.filter((r) => r.headers["idempotency-key"] === id && r.status === 200).length, 1, `one delivery of ${id}`);
  }
});

test("permanent refusals of single messages do not pause the channel", async () => {
  const { db, sink, startWorker } = await delivery();
  sink.mode = "rejecting";
  const refused = await Promise.all(Array.from({ length: 3 }, () => insertNotification(db, { channel: "SMS" })));
  const worker = startWorker({ breaker: { failures: 2, halfOpenAfterMs: 60_000 } });
  try {
    for (const id of refused) await waitForStatus(db, id, "DEAD_LETTERED");
    sink.mode = "up";
    const next = await insertNotification(db, { channel: "SMS" });
    await waitForStatus(db, next, "SENT");
    assert.equal(await outcomes(worker, "circuit_open"), 0);
  } finally {
    await worker.stop();
  }
});

test("a paused SMS channel does not hold back email", async () => {
  const { db, sink, startWorker } = await delivery();
  sink.mode = "down";
  const sms = await Promise.all(Array.from({ length: 3 }, () => insertNotification(db, { channel: "SMS" })));
  const worker = startWorker({ breaker: { failures: 2, halfOpenAfterMs: 60_000 } });
  try {
    await waitUntil(async () => (await outcomes(worker, "circuit_open")) >= 1, "the SMS channel paused");
    const email = await insertNotification(db, { channel: "EMAIL" });
    await waitForStatus(db, email, "SENT");
    const smsRows = await Promise.all(sms.map((id) => readNotification(db, id)));
    assert.ok(smsRows.every((row) => row.status !== "SENT" && row.status !== "DEAD_LETTERED"));
  } finally {
    await worker.stop();
  }
});
