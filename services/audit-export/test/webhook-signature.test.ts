import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { Webhook } from "standardwebhooks";
import { parseSigningSecrets, signWebhook, verifyWebhook } from "../src/domain/webhook-signature.js";

const newSecret = () => `whsec_${randomBytes(32).toString("base64")}`;
const body = JSON.stringify({ batch_id: "batch_1-2_abc", events: [{ class_uid: 6003, note: "ünïcode" }] });

test("a batch signed with its secret verifies with the standardwebhooks package", () => {
  const secret = newSecret();
  const headers = signWebhook(parseSigningSecrets(secret), "batch_1-2_abc", body, new Date());
  assert.match(headers["webhook-signature"], /^v1,[A-Za-z0-9+/]+=*$/);
  assert.match(headers["webhook-timestamp"], /^\d{10}$/);
  assert.deepEqual(new Webhook(secret).verify(body, { ...headers }), JSON.parse(body));
});

test("during a rotation every secret signs, space-separated, and a receiver holding either one accepts", () => {
  const [old, fresh] = [newSecret(), newSecret()];
  const headers = signWebhook(parseSigningSecrets(`${fresh} ${old}`), "batch_1-2_abc", body, new Date());
  assert.equal(headers["webhook-signature"].split(" ").length, 2);
  for (const secret of [old, fresh]) assert.doesNotThrow(() => new Webhook(secret).verify(body, { ...headers }));
  assert.throws(() => new Webhook(newSecret()).verify(body, { ...headers }), /No matching signature/);
});

test("the sink's own verifier accepts what standardwebhooks signs and refuses a changed body, another secret, an old timestamp, missing headers", () => {
  const secret = newSecret();
  const keys = parseSigningSecrets(secret);
  const now = new Date();
  const signed = new Webhook(secret).sign("msg_1", now, body);
  const headers = { "webhook-id": "msg_1", "webhook-timestamp": String(Math.floor(now.getTime() / 1000)), "webhook-signature": `v1,bogus ${signed}` };
  assert.equal(verifyWebhook(keys, headers, body, now), undefined);
  assert.equal(verifyWebhook(keys, headers, `${body} `, now), "no matching signature");
  assert.equal(verifyWebhook(parseSigningSecrets(newSecret()), headers, body, now), "no matching signature");
  assert.equal(verifyWebhook(keys, headers, body, new Date(now.getTime() + 6 * 60_000)), "timestamp outside tolerance");
  assert.equal(verifyWebhook(keys, { ...headers, "webhook-id": undefined }, body, now), "missing headers");
  assert.equal(verifyWebhook(keys, { ...headers, "webhook-timestamp": "12e3" }, body, now), "bad timestamp");
});

test("a malformed secret is refused, saying which one and why, without echoing it", () => {
  const good = newSecret();
  const cases: Array<[string, RegExp]> = [
    ["", /no secret/],
    ["c2VjcmV0LXdpdGhvdXQtcHJlZml4LXNlY3JldC13aXRob3V0", /does not start with whsec_/],
    ["whsec_not base64!", /not base64/],
    [`whsec_${Buffer.from("too short").toString("base64")}`, /decodes to 9 bytes; 24 to 64/],
    [`${good} whsec_%%%%`, /secret 2 of 2 is not base64/],
  ];
  for (const [raw, expected] of cases) {
    assert.throws(() => parseSigningSecrets(raw), (err: Error) => expected.test(err.message) && !err.message.includes("whsec_%") && !err.message.includes(good));
  }
  assert.equal(parseSigningSecrets(`  ${good}\n${newSecret()} `).length, 2);
});
