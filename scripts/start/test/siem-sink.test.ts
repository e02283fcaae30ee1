/** The local SIEM sink `npm start` points the audit exporter at. */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import net from "node:net";
import { test } from "node:test";
import { Webhook } from "standardwebhooks";
import { startSiemSink, type SunkBatch } from "../siem-sink.js";

const quiet = () => {};
const secret = () => `whsec_${randomBytes(32).toString("base64")}`;
const envelope = (first: number, last: number, previousHash: string, chainHash: string) =>
  JSON.stringify({ batch_id: `batch_${first}-${last}`, first_position: first, last_position: last, previous_hash: previousHash, chain_hash: chainHash, events: [{ class_uid: 6003, n: first }] });

/** POSTs `body` signed, as standardwebhooks (an independent implementation) signs it. */
function post(url: string, signWith: string, id: string, body: string) {
  const now = new Date();
  const headers = { "webhook-id": id, "webhook-timestamp": String(Math.floor(now.getTime() / 1000)), "webhook-signature": new Webhook(signWith).sign(id, now, body) };
  return fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
}

test("a correctly signed batch is kept and reads back from GET /events; a second delivery of its webhook-id is dropped", async (t) => {
  const key = secret();
  const lines: string[] = [];
  const sink = await startSiemSink({ port: 0, signingSecret: key, log: (line) => lines.push(line) });
  t.after(() => sink.close());
  assert.equal((await post(sink.webhookUrl, key, "batch_1-1", envelope(1, 1, "0".repeat(64), "a".repeat(64)))).status, 200);
  assert.equal((await post(sink.webhookUrl, key, "batch_1-1", envelope(1, 1, "0".repeat(64), "a".repeat(64)))).status, 200);
  assert.equal((await post(sink.webhookUrl, key, "batch_2-2", envelope(2, 2, "a".repeat(64), "b".repeat(64)))).status, 200);
  assert.equal((await post(sink.webhookUrl, key, "batch_3-3", envelope(3, 3, "f".repeat(64), "c".repeat(64)))).status, 200);
  assert.equal((await post(sink.webhookUrl, key, "batch_9-9", envelope(9, 9, "e".repeat(64), "d".repeat(64)))).status, 200);

  const { batches, events } = (await (await fetch(sink.eventsUrl)).json()) as { batches: SunkBatch[]; events: Array<{ n: number }> };
  assert.deepEqual(batches.map((b) => [b.webhookId, b.firstPosition, b.lastPosition, b.continues]), [
    ["batch_1-1", 1, 1, true],
    ["batch_2-2", 2, 2, true],
    ["batch_3-3", 3, 3, false],
    ["batch_9-9", 9, 9, "unknown"],
  ]);
  assert.deepEqual(events.map((e) => e.n), [1, 2, 3, 9]);
  assert.match(lines.join("\n"), /audit entries 3-3 \(1 events, NOT continuing the chain\)/);
});

test("a batch signed with another secret, or not signed, is refused 401 and not kept", async (t) => {
  const sink = await startSiemSink({ port: 0, signingSecret: secret(), log: quiet });
  t.after(() => sink.close());
  assert.equal((await post(sink.webhookUrl, secret(), "batch_1-1", envelope(1, 1, "0".repeat(64), "a".repeat(64)))).status, 401);
  const unsigned = await fetch(sink.webhookUrl, { method: "POST", body: envelope(1, 1, "0".repeat(64), "a".repeat(64)) });
  assert.equal(unsigned.status, 401);
  assert.deepEqual(await unsigned.json(), { error: "missing headers" });
  assert.deepEqual(((await (await fetch(sink.eventsUrl)).json()) as { batches: unknown[] }).batches, []);
});

test("during a rotation a batch signed with either of the sink's secrets is accepted", async (t) => {
  const [old, fresh] = [secret(), secret()];
  const sink = await startSiemSink({ port: 0, signingSecret: `${fresh} ${old}`, log: quiet });
  t.after(() => sink.close());
  assert.equal((await post(sink.webhookUrl, old, "batch_1-1", envelope(1, 1, "0".repeat(64), "a".repeat(64)))).status, 200);
  assert.equal((await post(sink.webhookUrl, fresh, "batch_2-2", envelope(2, 2, "a".repeat(64), "b".repeat(64)))).status, 200);
});

test("a taken port rejects with EADDRINUSE, and a malformed secret is refused without showing it", async (t) => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  await assert.rejects(startSiemSink({ port: (blocker.address() as net.AddressInfo).port, signingSecret: secret(), log: quiet }), { code: "EADDRINUSE" });
  await assert.rejects(startSiemSink({ port: 0, signingSecret: "whsec_oops", log: quiet }), (err: Error) => /decodes to 3 bytes/.test(err.message) && !err.message.includes("oops"));
});
