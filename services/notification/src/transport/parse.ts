/** Request fields as domain values: each refusal names the field (INVALID_ARGUMENT). */
import type { PageRequest } from "#gen/wallet/common/v1/pagination_pb.js";
import { Category as CategoryPb, Channel as ChannelPb, NotificationStatus as NotificationStatusPb, type ChannelPreference } from "#gen/wallet/notification/v1/notification_pb.js";
import { createPageParser, type PageTokenFields } from "#platform/pagination/index.js";
import type { CategoryName, ChannelName } from "../domain/channels.js";
import type { PreferenceUpdate } from "../domain/preferences.js";
import { invalidField } from "../errors.js";
import type { NotificationStatusName } from "../storage/notification.table.js";
import type { PageCursor } from "../storage/notifications.repository.js";

/** Page sizes (50 by default, at most 200) and the refusal of a token no list returned. */
const parseAnyPage = createPageParser({
  limits: { default: 50, max: 200 },
  invalid: () => invalidField("page.page_token", "is not a token this list returned"),
});

/** True for the UUID shape of notification ids. */
export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

/** A required user id. */
export function parseUserId(value: string): string {
  if (value.trim() === "") throw invalidField("user_id", "is required");
  return value;
}

/** A required channel. */
export function parseChannel(value: ChannelPb, field = "channel"): ChannelName {
  if (value === ChannelPb.UNSPECIFIED) throw invalidField(field, "is required");
  if (ChannelPb[value] === undefined) throw invalidField(field, "unknown channel");
  return ChannelPb[value] as ChannelName;
}

/** A required category. */
function parseCategory(value: CategoryPb, field: string): CategoryName {
  if (value === CategoryPb.UNSPECIFIED) throw invalidField(field, "is required");
  if (CategoryPb[value] === undefined) throw invalidField(field, "unknown category");
  return CategoryPb[value] as CategoryName;
}

/** An optional channel filter (UNSPECIFIED: any). */
export function parseChannelFilter(value: ChannelPb): ChannelName | undefined {
  return value === ChannelPb.UNSPECIFIED ? undefined : parseChannel(value);
}

/** An optional status filter (UNSPECIFIED: any). */
export function parseStatusFilter(value: NotificationStatusPb): NotificationStatusName | undefined {
  if (value === NotificationStatusPb.UNSPECIFIED) return undefined;
  if (NotificationStatusPb[value] === undefined) throw invalidField("status", "unknown status");
  return NotificationStatusPb[value] as NotificationStatusName;
}

/** The entries of UpdatePreferences: at least one, each with a category and channel, none twice. */
export function parsePreferenceUpdates(entries: readonly ChannelPreference[]): PreferenceUpdate[] {
  if (entries.length === 0) throw invalidField("entries", "at least one entry is required");
  const seen = new Set<string>();
  return entries.map((entry, i) => {
    const category = parseCategory(entry.category, `entries[${i}].category`);
    const channel = parseChannel(entry.channel, `entries[${i}].channel`);
    if (seen.has(`${category}/${channel}`)) throw invalidField(`entries[${i}]`, "repeats an earlier entry's category and channel");
    seen.add(`${category}/${channel}`);
    return { category, channel, enabled: entry.enabled };
  });
}

/** A page cursor as token fields: `at` (ISO time) and `id`, the format tokens already in use carry. */
export function pageToken(cursor: PageCursor): PageTokenFields {
  return { at: cursor.at.toISOString(), id: cursor.id };
}

/** A page cursor from token fields, or undefined when they are not one this list wrote. */
function pageCursor(fields: Readonly<Record<string, unknown>>): PageCursor | undefined {
  const at = new Date(String(fields.at));
  return typeof fields.id === "string" && isUuid(fields.id) && !Number.isNaN(at.getTime()) ? { at, id: fields.id } : undefined;
}

/** The page size and cursor of a request; INVALID_FIELD "page.page_token" when the token is not one this list returned. */
export function parsePage(page: PageRequest | undefined): { limit: number; after?: PageCursor } {
  return parseAnyPage(page, pageCursor);
}
