/**
 * GetPreferences and UpdatePreferences through the in-memory transport
 * (real PostgreSQL): defaults, updates read back, SECURITY locked on, and
 * refusals naming the field or entry.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { ErrorInfoSchema } from "#gen/google/rpc/error_details_pb.js";
import { Category, Channel, type Preferences } from "#gen/wallet/notification/v1/notification_pb.js";
import { newUserId, useNotification, refusal } from "./support/notification-harness.js";

const notification = useNotification();

/** Entries as [category, channel, enabled, locked] tuples. */
const entriesOf = (p: Preferences | undefined) => (p?.entries ?? []).map((e) => [Category[e.category], Channel[e.channel], e.enabled, e.locked]);

/** The defaults, in the contract's order. */
const DEFAULTS = [
  ["SECURITY", "EMAIL", true, true],
  ["SECURITY", "SMS", true, true],
  ["SECURITY", "PUSH", true, true],
  ["TRANSACTIONS", "EMAIL", true, false],
  ["TRANSACTIONS", "SMS", true, false],
  ["TRANSACTIONS", "PUSH", true, false],
  ["MARKETING", "EMAIL", false, false],
  ["MARKETING", "SMS", false, false],
  ["MARKETING", "PUSH", false, false],
];

describe("GetPreferences", () => {
  test("a user who never changed anything gets the nine defaults in order, with no updated_at", async () => {
    const h = await notification();
    const { preferences } = await h.client.getPreferences({ userId: newUserId() });
    assert.deepEqual(entriesOf(preferences), DEFAULTS);
    assert.equal(preferences?.updatedAt, undefined);
  });

  test("a missing user_id is refused InvalidArgument naming user_id", async () => {
    const h = await notification();
    const err = await refusal(h.client.getPreferences({ userId: "" }));
    assert.deepEqual([err.code, err.rawMessage], [Code.InvalidArgument, "user_id: is required"]);
  });
});

describe("UpdatePreferences", () => {
  test("changes are read back with the other entries kept and updated_at at the change", async () => {
    const h = await notification();
    const userId = newUserId();
    const changedAt = h.clock();
    const updated = await h.client.updatePreferences({
      userId,
      entries: [
        { category: Category.MARKETING, channel: Channel.EMAIL, enabled: true },
        { category: Category.TRANSACTIONS, channel: Channel.SMS, enabled: false },
      ],
    });
    h.clock.advance(60_000);
    const read = await h.client.getPreferences({ userId });

    const expected = DEFAULTS.map((e) =>
      e[0] === "MARKETING" && e[1] === "EMAIL" ? ["MARKETING", "EMAIL", true, false] : e[0] === "TRANSACTIONS" && e[1] === "SMS" ? ["TRANSACTIONS", "SMS", false, false] : e,
    );
    assert.deepEqual(entriesOf(updated.preferences), expected);
    assert.deepEqual(entriesOf(read.preferences), expected);
    assert.deepEqual(timestampDate(read.preferences!.updatedAt!), changedAt);
  });

  test("an update that changes nothing leaves updated_at unset", async () => {
    const h = await notification();
    const userId = newUserId();
    const { preferences } = await h.client.updatePreferences({ userId, entries: [{ category: Category.SECURITY, channel: Channel.SMS, enabled: true }] });
    assert.equal(preferences?.updatedAt, undefined);
  });

  test("turning a SECURITY entry off is refused with SECURITY_NOT_OPTIONAL naming the entry, and nothing is stored", async () => {
    const h = await notification();
    const userId = newUserId();
    const err = await refusal(
      h.client.updatePreferences({
        userId,
        entries: [
          { category: Category.MARKETING, channel: Channel.PUSH, enabled: true },
          { category: Category.SECURITY, channel: Channel.PUSH, enabled: false },
        ],
      }),
    );
    const [info] = err.findDetails(ErrorInfoSchema);
    assert.equal(err.code, Code.InvalidArgument);
    assert.deepEqual([info?.reason, info?.domain, info?.metadata], ["SECURITY_NOT_OPTIONAL", "notification.wallet", { field: "entries[1]", category: "SECURITY", channel: "PUSH" }]);
    assert.deepEqual(entriesOf((await h.client.getPreferences({ userId })).preferences), DEFAULTS);
  });

  test("an entry with an UNSPECIFIED channel is refused InvalidArgument naming entries[i].channel", async () => {
    const h = await notification();
    const err = await refusal(
      h.client.updatePreferences({
        userId: newUserId(),
        entries: [
          { category: Category.MARKETING, channel: Channel.SMS, enabled: true },
          { category: Category.MARKETING, channel: Channel.EMAIL, enabled: true },
          { category: Category.MARKETING, channel: Channel.UNSPECIFIED, enabled: true },
        ],
      }),
    );
    assert.deepEqual([err.code, err.rawMessage], [Code.InvalidArgument, "entries[2].channel: is required"]);
  });

  test("an entry with an UNSPECIFIED category is refused InvalidArgument naming entries[i].category", async () => {
    const h = await notification();
    const err = await refusal(h.client.updatePreferences({ userId: newUserId(), entries: [{ category: Category.UNSPECIFIED, channel: Channel.SMS, enabled: true }] }));
    assert.deepEqual([err.code, err.rawMessage], [Code.InvalidArgument, "entries[0].category: is required"]);
  });
});
