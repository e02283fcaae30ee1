/** Request fields as domain values: each refusal names the field (INVALID_ARGUMENT). */
import type { PageRequest } from "#gen/wallet/common/v1/pagination_pb.js";
import { Category as CategoryPb, Channel as ChannelPb, NotificationStatus as NotificationStatusPb, type ChannelPreference } from "#gen/wallet/notification/v1/notification_pb.js";
import type { CategoryName, ChannelName } from "../domain/channels.js";
import type { PreferenceUpdate } from "../domain/preferences.js";
import { invalidField } from "../errors.js";
import type { NotificationStatusName } from "../storage/notification.table.js";
import type { PageCursor } from "../storage/notifications.repository.js";

/** Default and largest page sizes. */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

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

/** The page size asked for, defaulted and capped. */
function pageSize(requested: number | undefined): number {
  if (!requested || requested <= 0) return DEFAULT_PAGE_SIZE;
  return Math.min(requested, MAX_PAGE_SIZE);
}

/** Encodes a page cursor: opaque to clients. */
export function encodePageToken(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify({ at: cursor.at.toISOString(), id: cursor.id })).toString("base64url");
}

/** Decodes a page cursor; INVALID_FIELD "page.page_token" when it is not one this list returned. */
function decodePageToken(token: string): PageCursor {
  try {
    const value = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { at?: unknown; id?: unknown };
    const at = new Date(String(value.at));
    if (typeof value.id === "string" && isUuid(value.id) && !Number.isNaN(at.getTime())) return { at, id: value.id };
  } catch {
    // fall through
  }
  throw invalidField("page.page_token", "is not a token this list returned");
}

/** The page size and cursor of a request. */
export function parsePage(page: PageRequest | undefined): { limit: number; after?: PageCursor } {
  const limit = pageSize(page?.pageSize);
  return page?.pageToken ? { limit, after: decodePageToken(page.pageToken) } : { limit };
}
