/**
 * ListNotifications and SendTestNotification through the in-memory
 * transport (real PostgreSQL): newest first, filters, paging with an opaque
 * token, no bodies; test sends queue one row or refuse a channel the user
 * has no address for.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Code } from "@connectrpc/connect";
import { ErrorInfoSchema } from "#gen/google/rpc/error_details_pb.js";
import { Category, Channel, NotificationStatus } from "#gen/wallet/notification/v1/notification_pb.js";
import { newUserId, rowsOf, seedRecipient, useNotification, type NotificationHarness, refusal } from "./support/notification-harness.js";

const notification = useNotification();

/** Queues `n` test notifications a second apart on `channel`; answers their ids, oldest first. */
async function queueTests(h: NotificationHarness, userId: string, n: number, channel = Channel.EMAIL): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    h.clock.advance(1_000);
    ids.push((await h.client.sendTestNotification({ userId, channel, actorId: "staff-1" })).notification!.id);
  }
  return ids;
}

describe("ListNotifications", () => {
  test("lists a user's notifications newest first, page by page, without bodies", async () => {
    const h = await notification();
    const userId = await seedRecipient(h);
    const ids = await queueTests(h, userId, 5);

    const first = await h.client.listNotifications({ userId, page: { pageSize: 2 } });
    const second = await h.client.listNotifications({ userId, page: { pageSize: 2, pageToken: first.page!.nextPageToken } });
    const third = await h.client.listNotifications({ userId, page: { pageSize: 2, pageToken: second.page!.nextPageToken } });

    assert.deepEqual([...first.notifications, ...second.notifications, ...third.notifications].map((n) => n.id), [...ids].reverse());
    assert.equal(third.page!.nextPageToken, "");
    const shown = first.notifications[0]!;
    assert.deepEqual([shown.userId, shown.category, shown.channel, shown.eventType, shown.status, shown.subject], [userId, Category.SECURITY, Channel.EMAIL, "test", NotificationStatus.QUEUED, "Test notification"]);
    assert.ok(!("body" in shown));
  });

  test("filters by channel and by status", async () => {
    const h = await notification();
    const userId = await seedRecipient(h, { phoneNumber: "+4915100000002" });
    const [emailId] = await queueTests(h, userId, 1, Channel.EMAIL);
    const [smsId] = await queueTests(h, userId, 1, Channel.SMS);
    await h.db.updateTable("notifications").set({ status: "SENT", sent_at: h.clock() }).where("id", "=", emailId!).execute();

    const sms = await h.client.listNotifications({ userId, channel: Channel.SMS });
    const sent = await h.client.listNotifications({ userId, status: NotificationStatus.SENT });
    assert.deepEqual(sms.notifications.map((n) => n.id), [smsId]);
    assert.deepEqual(sent.notifications.map((n) => [n.id, n.status, n.sentAt !== undefined]), [[emailId, NotificationStatus.SENT, true]]);
  });

  test("another user's notifications are not listed", async () => {
    const h = await notification();
    const userId = await seedRecipient(h);
    await queueTests(h, await seedRecipient(h), 1);
    assert.deepEqual((await h.client.listNotifications({ userId })).notifications, []);
  });

  test("a page token this list did not return is refused InvalidArgument naming page.page_token", async () => {
    const h = await notification();
    const err = await refusal(h.client.listNotifications({ userId: newUserId(), page: { pageToken: "not-a-token" } }));
    assert.deepEqual([err.code, err.rawMessage], [Code.InvalidArgument, "page.page_token: is not a token this list returned"]);
  });
});

describe("SendTestNotification", () => {
  test("queues one SECURITY test notification on the channel with the actor recorded", async () => {
    const h = await notification();
    const userId = await seedRecipient(h, { pushToken: "push-1" });
    const { notification: queued } = await h.client.sendTestNotification({ userId, channel: Channel.PUSH, actorId: "staff-7" });

    const rows = await rowsOf(h, userId);
    assert.deepEqual(
      rows.map((r) => [r.id, r.channel, r.category, r.event_type, r.template, r.status, r.actor_id, r.destination, r.event_id.startsWith("test:")]),
      [[queued!.id, "PUSH", "SECURITY", "test", "test", "QUEUED", "staff-7", null, true]],
    );
  });

  test("SMS for a user without a phone number is refused FailedPrecondition CHANNEL_UNAVAILABLE", async () => {
    const h = await notification();
    const userId = await seedRecipient(h);
    const err = await refusal(h.client.sendTestNotification({ userId, channel: Channel.SMS, actorId: "staff-1" }));
    const [info] = err.findDetails(ErrorInfoSchema);
    assert.deepEqual([err.code, info?.reason, info?.domain, info?.metadata], [Code.FailedPrecondition, "CHANNEL_UNAVAILABLE", "notification.wallet", { channel: "SMS" }]);
    assert.deepEqual(await rowsOf(h, userId), []);
  });

  test("each missing field is refused InvalidArgument naming it", async () => {
    const h = await notification();
    const userId = await seedRecipient(h);
    const cases = [
      [{ userId: "", channel: Channel.EMAIL, actorId: "staff-1" }, "user_id: is required"],
      [{ userId, channel: Channel.UNSPECIFIED, actorId: "staff-1" }, "channel: is required"],
      [{ userId, channel: Channel.EMAIL, actorId: "" }, "actor_id: is required"],
    ] as const;
    for (const [request, message] of cases) {
      const err = await refusal(h.client.sendTestNotification(request));
      assert.deepEqual([err.code, err.rawMessage], [Code.InvalidArgument, message]);
    }
  });
});
