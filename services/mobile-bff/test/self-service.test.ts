import assert from "node:assert/strict";
import { test } from "node:test";
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { MobileBffService } from "#gen/wallet/bff/v1/mobile_bff_service_pb.js";
import { Category, Channel } from "#gen/wallet/notification/v1/notification_pb.js";
import { device, PASSWORD } from "../../identity/test/support/identity-harness.js";
import { refusal, useBffMesh } from "./support/bff-harness.js";

const mesh = useBffMesh();

test("list devices answers the caller's devices through identity with the forwarded token", async () => {
  const m = await mesh();
  const user = await m.customer();
  const res = await user.bff.listDevices({});
  assert.ok(res.devices.length >= 1);
  assert.equal(res.devices.filter((d) => d.current).length, 1);
});

test("list sessions answers the caller's active sessions, the current one marked", async () => {
  const m = await mesh();
  const user = await m.customer();
  const res = await user.bff.listSessions({});
  assert.equal(res.sessions.length, 1);
  assert.equal(res.sessions[0]?.current, true);
});

test("revoke session ends another of the caller's sessions", async () => {
  const m = await mesh();
  const user = await m.customer();
  await m.identity.client().login({ email: user.email, password: PASSWORD, device: device() });
  const sessions = (await user.bff.listSessions({})).sessions;
  const other = sessions.find((s) => !s.current)!;
  await user.bff.revokeSession({ sessionId: other.id });
  assert.deepEqual((await user.bff.listSessions({})).sessions.map((s) => s.current), [true]);
});

test("another user's session answers identity's SESSION_NOT_FOUND", async () => {
  const m = await mesh();
  const [alice, bob] = await Promise.all([m.customer(), m.customer()]);
  const [bobSession] = (await bob.bff.listSessions({})).sessions;
  const refused = await refusal(alice.bff.revokeSession({ sessionId: bobSession!.id }));
  assert.equal(refused.code, Code.NotFound);
  assert.equal(refused.reason, "SESSION_NOT_FOUND");
  assert.equal((await bob.bff.listSessions({})).sessions.length, 1);
});

test("revoke device forgets another of the caller's devices and its sessions", async () => {
  const m = await mesh();
  const user = await m.customer();
  const phone = device();
  await m.identity.client().login({ email: user.email, password: PASSWORD, device: phone });
  const res = await user.bff.revokeDevice({ deviceId: phone.deviceId });
  assert.equal(res.revokedSessions, 1);
  assert.ok(!(await user.bff.listDevices({})).devices.some((d) => d.id === phone.deviceId));
});

test("another user's device answers identity's DEVICE_NOT_FOUND", async () => {
  const m = await mesh();
  const [alice, bob] = await Promise.all([m.customer(), m.customer()]);
  const [bobDevice] = (await bob.bff.listDevices({})).devices;
  const refused = await refusal(alice.bff.revokeDevice({ deviceId: bobDevice!.id }));
  assert.equal(refused.code, Code.NotFound);
  assert.equal(refused.reason, "DEVICE_NOT_FOUND");
});

test("a bearer token of another user is refused by identity even with the caller's subject", async () => {
  const m = await mesh();
  const [alice, bob] = await Promise.all([m.customer(), m.customer()]);
  const refused = await refusal(m.bff({ subject: alice.userId, accessToken: bob.accessToken }).listSessions({}));
  assert.equal(refused.code, Code.Unauthenticated);
  assert.equal(refused.reason, "TOKEN_INVALID");
});

test("notification preferences are the caller's, read from the notification service with security locked on", async () => {
  const m = await mesh();
  const user = await m.customer();
  const { preferences } = await user.bff.getNotificationPreferences({});
  assert.equal(preferences?.entries.length, 9);
  const security = preferences!.entries.filter((e) => e.category === Category.SECURITY);
  assert.ok(security.every((e) => e.enabled && e.locked));
});

test("a preference the caller changes through the BFF is what the caller reads back", async () => {
  const m = await mesh();
  const user = await m.customer();
  const optIn = { category: Category.MARKETING, channel: Channel.EMAIL, enabled: true };
  await user.bff.updateNotificationPreferences({ entries: [optIn] });
  const { preferences } = await user.bff.getNotificationPreferences({});
  const marketingEmail = preferences!.entries.find((e) => e.category === Category.MARKETING && e.channel === Channel.EMAIL);
  assert.equal(marketingEmail?.enabled, true);
});

test("turning security notifications off through the BFF is refused with the notification service's SECURITY_NOT_OPTIONAL", async () => {
  const m = await mesh();
  const user = await m.customer();
  const refused = await refusal(user.bff.updateNotificationPreferences({ entries: [{ category: Category.SECURITY, channel: Channel.SMS, enabled: false }] }));
  assert.equal(refused.code, Code.InvalidArgument);
  assert.equal(refused.reason, "SECURITY_NOT_OPTIONAL");
});

test("a new caller's notification list is empty", async () => {
  const m = await mesh();
  const user = await m.customer();
  assert.deepEqual((await user.bff.listNotifications({})).notifications, []);
});

test("an unsigned call to the BFF is refused as unauthenticated", async () => {
  const m = await mesh();
  const unsigned = createClient(MobileBffService, createGrpcTransport({ baseUrl: m.servers.bff.url }));
  const refused = await refusal(unsigned.listAccounts({}, { headers: { "x-internal-subject": "00000000-0000-4000-8000-000000000000" } }));
  assert.equal(refused.code, Code.Unauthenticated);
});
