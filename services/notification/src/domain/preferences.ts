/**
 * Delivery preferences: one entry per category and channel (3 x 3). Defaults
 * live here, not in the database: SECURITY and TRANSACTIONS on for every
 * channel, MARKETING off until the user opts in. SECURITY entries are locked
 * on; the `preferences` table holds only the entries a user changed.
 */
import { NotificationError } from "../errors.js";
import { CATEGORIES, CHANNELS, type CategoryName, type ChannelName } from "./channels.js";

/** Whether one category goes over one channel. */
export interface PreferenceEntry {
  readonly category: CategoryName;
  readonly channel: ChannelName;
  readonly enabled: boolean;
  /** True for SECURITY: the user cannot change it. */
  readonly locked: boolean;
}

/** An entry the user changed, as stored. */
export interface ChangedPreference {
  readonly category: CategoryName;
  readonly channel: ChannelName;
  readonly enabled: boolean;
  readonly updatedAt: Date;
}

/** A user's complete preferences. */
export interface Preferences {
  /** All nine entries, categories then channels in the contract's order. */
  readonly entries: readonly PreferenceEntry[];
  /** The latest change; undefined while still the defaults. */
  readonly updatedAt?: Date;
}

/** A requested change: `locked` is ignored on input. */
export interface PreferenceUpdate {
  readonly category: CategoryName;
  readonly channel: ChannelName;
  readonly enabled: boolean;
}

/** True when the category cannot be turned off. */
export const isLocked = (category: CategoryName): boolean => category === "SECURITY";

/** The default of a category on every channel. */
export const defaultEnabled = (category: CategoryName): boolean => category !== "MARKETING";

/** The defaults with the user's changes applied. */
export function resolvePreferences(changed: readonly ChangedPreference[]): Preferences {
  const entries = CATEGORIES.flatMap((category) =>
    CHANNELS.map((channel) => {
      const change = changed.find((c) => c.category === category && c.channel === channel);
      // SECURITY ignores any stored value: it is on whatever was written.
      const enabled = isLocked(category) ? true : (change?.enabled ?? defaultEnabled(category));
      return { category, channel, enabled, locked: isLocked(category) };
    }),
  );
  const latest = changed.reduce<Date | undefined>((max, c) => (max && max >= c.updatedAt ? max : c.updatedAt), undefined);
  return latest ? { entries, updatedAt: latest } : { entries };
}

/** True when the user gets `category` over `channel`. */
export function isEnabled(preferences: Preferences, category: CategoryName, channel: ChannelName): boolean {
  return preferences.entries.some((e) => e.category === category && e.channel === channel && e.enabled);
}

/**
 * The updates that actually change something, after refusing any that turns
 * a SECURITY entry off (SECURITY_NOT_OPTIONAL, naming the entry). Entries
 * equal to the current value are dropped, so `updated_at` moves only on a
 * real change.
 */
export function changesOf(current: Preferences, updates: readonly PreferenceUpdate[]): PreferenceUpdate[] {
  updates.forEach((u, i) => {
    if (isLocked(u.category) && !u.enabled) {
      throw new NotificationError("SECURITY_NOT_OPTIONAL", `entries[${i}]: security notifications cannot be turned off`, {
        field: `entries[${i}]`,
        category: u.category,
        channel: u.channel,
      });
    }
  });
  return updates.filter((u) => !isLocked(u.category) && isEnabled(current, u.category, u.channel) !== u.enabled);
}
