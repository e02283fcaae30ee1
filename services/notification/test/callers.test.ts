/**
 * Who may call what: requests name the user they act for, so only the
 * services that authenticate users (mobile-bff) or staff (backoffice) get
 * in, and staff operations are backoffice's alone. The refusals come from the
 * mesh's call graph, which the harness puts in front of the routes as
 * serveProcess does.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Code } from "@connectrpc/connect";
import { Channel } from "#gen/wallet/notification/v1/notification_pb.js";
import { refusal, seedRecipient, useNotification } from "./support/notification-harness.js";

const notification = useNotification();

test("mobile-bff reads and changes the preferences of the user it acts for", async () => {
  const h = await notification();
  const bff = h.clientAs("mobile-bff");
  const userId = await seedRecipient(h);
  assert.equal((await bff.getPreferences({ userId })).preferences?.entries.length, 9);
  assert.equal((await bff.listNotifications({ userId })).notifications.length, 0);
});

test("a service that does not act for users is refused a user's preferences and history with PermissionDenied", async () => {
  const h = await notification();
  const ledger = h.clientAs("ledger");
  const userId = await seedRecipient(h);
  assert.equal((await refusal(ledger.getPreferences({ userId }))).code, Code.PermissionDenied);
  assert.equal((await refusal(ledger.updatePreferences({ userId, entries: [] }))).code, Code.PermissionDenied);
  assert.equal((await refusal(ledger.listNotifications({ userId }))).code, Code.PermissionDenied);
});

test("mobile-bff is refused a test send with PermissionDenied and nothing is queued", async () => {
  const h = await notification();
  const userId = await seedRecipient(h, { email: "staff-only@example.com" });
  const refused = await refusal(h.clientAs("mobile-bff").sendTestNotification({ userId, channel: Channel.EMAIL, actorId: "staff-1" }));
  assert.equal(refused.code, Code.PermissionDenied);
  assert.match(refused.rawMessage, /backoffice/);
  assert.equal((await h.client.listNotifications({ userId })).notifications.length, 0);
});

test("the dead letters are refused to every service but backoffice", async () => {
  const h = await notification();
  const bff = h.clientAs("mobile-bff");
  assert.equal((await refusal(bff.listDeadLetters({}))).code, Code.PermissionDenied);
  assert.equal((await refusal(bff.replayDeadLetters({ limit: 1 }))).code, Code.PermissionDenied);
});

test("a request without a verified caller is refused with PermissionDenied", async () => {
  const h = await notification();
  const anonymous = h.clientAs(undefined);
  const userId = await seedRecipient(h);
  assert.equal((await refusal(anonymous.getPreferences({ userId }))).code, Code.PermissionDenied);
  assert.equal((await refusal(anonymous.listDeadLetters({}))).code, Code.PermissionDenied);
});
