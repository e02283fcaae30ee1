/**
 * `npm run risk:replay-dead-letters` and `npm run notification:replay-events`
 * (scripts/consumer/replay.ts) spawned against a test database and queue.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import { promisify } from "node:util";
import { insertDeadLetter } from "#platform/consumer/consumer.repository.js";
import { useTestAmqp, useTestDatabase } from "#platform/testing/index.js";

const database = useTestDatabase({ migrationsFolder: "services/notification/migrations" });
const amqp = useTestAmqp();

/** Runs the script; answers its exit code and output. */
async function replay(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["--import", "tsx", "scripts/consumer/replay.ts", ...args], {
      env: { ...process.env, NODE_ENV: "development", ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

test("the notification consumer's dead letters go back into its work queue, once", async () => {
  const [{ db, url }, bus] = await Promise.all([database(), amqp()]);
  const queue = bus.name("notification-events");
  const setup = await bus.connection.createChannel();
  await setup.assertQueue(queue, { durable: false });
  const eventId = randomUUID();
  const letter = { eventId, eventType: "wallet.events.v1.PasswordChanged", routingKey: "identity.PasswordChanged", payload: new Uint8Array([1, 2, 3]), headers: {}, lastError: "no recipient", attempts: 5 };
  await insertDeadLetter(db, { consumer: "notification", ...letter });
  await insertDeadLetter(db, { consumer: "ops-risk", ...letter, eventId: randomUUID() });
  const env = { NOTIFICATION_DATABASE_URL: url, AMQP_URL: bus.url, NOTIFICATION_CONSUMER_QUEUE: queue };

  const first = await replay(["notification", "--", "--limit", "200"], env);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /replayed 1 dead letter\b/);
  const message = await setup.get(queue, { noAck: true });
  assert.ok(message, "the dead letter is in the queue");
  assert.equal(message.properties.messageId, eventId);
  assert.equal(await setup.get(queue, { noAck: true }), false, "only the notification consumer's letter");

  const second = await replay(["notification"], env);
  assert.match(second.stdout, /replayed 0 dead letters/);
  await setup.close();
});

test("a service without an event consumer is refused with exit 2, naming it", async () => {
  const result = await replay(["ledger"], {});
  assert.equal(result.code, 2);
  assert.match(result.stderr, /"ledger" has no event consumer/);
});

test("a --limit that is not a positive integer is refused with exit 2, naming --limit", async () => {
  const result = await replay(["risk", "--limit", "0"], {});
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--limit must be a positive integer/);
});
