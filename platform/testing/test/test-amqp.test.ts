import assert from "node:assert/strict";
import { test } from "node:test";
import { createTestAmqp } from "../test-amqp.js";

test("amqp names are unique across instances and stable within one", async () => {
  const a = await createTestAmqp();
  const b = await createTestAmqp();
  try {
    assert.equal(a.name("events"), a.name("events"));
    assert.notEqual(a.name("events"), b.name("events"));
    assert.notEqual(a.name("events"), a.name("dead-letters"));
  } finally {
    await a.cleanup();
    await b.cleanup();
  }
});

test("amqp cleanup deletes the exchanges and queues it named", async () => {
  const amqp = await createTestAmqp();
  const exchange = amqp.name("events");
  const queue = amqp.name("consumer");
  const channel = await amqp.connection.createChannel();
  await channel.assertExchange(exchange, "topic", { durable: false });
  await channel.assertQueue(queue, { durable: false });
  await channel.bindQueue(queue, exchange, "#");
  await channel.close();

  await amqp.cleanup();

  const probe = await createTestAmqp();
  try {
    for (const check of [(c: import("amqplib").Channel) => c.checkExchange(exchange), (c: import("amqplib").Channel) => c.checkQueue(queue)]) {
      const ch = await probe.connection.createChannel();
      ch.on("error", () => {});
      await assert.rejects(check(ch), /NOT_FOUND/);
    }
  } finally {
    await probe.cleanup();
  }
});
