import { BlockList, isIP } from "node:net";
import { invalidField } from "./risk-error.js";
import type { RuleScope } from "./rules.js";

/** What a blocklist entry identifies (BlocklistKind without its prefix). */
export type BlocklistKind = "USER" | "DEVICE" | "IP_ADDRESS" | "IP_RANGE";

/** One blocked user, device, IP address or range. */
export interface BlocklistEntry {
  readonly id: string;
  readonly kind: BlocklistKind;
  readonly value: string;
  readonly reason: string;
  readonly expiresAt?: Date;
  readonly createdAt: Date;
  readonly createdBy: string;
}

/** Checks an entry's value against its kind; returns the normalized value. Throws INVALID_FIELD. */
export function validateBlocklistValue(kind: BlocklistKind, value: string): string {
  const v = value.trim();
  if (v === "" || v.length > 255) throw invalidField("value", "is required, up to 255 characters");
  if (kind === "IP_ADDRESS" && isIP(v) === 0) throw invalidField("value", "is not an IP address");
  if (kind === "IP_RANGE") {
    const [net, bits, extra] = v.split("/");
    const family = isIP(net ?? "");
    const prefix = Number(bits);
    if (extra !== undefined || family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) {
      throw invalidField("value", "is not a CIDR range");
    }
  }
  return v;
}

/** A matcher over the entries in force: which scopes of a request are blocked, and why. */
export interface BlocklistMatcher {
  match(request: { userId: string; deviceId: string; ipAddress: string }, now: Date): Partial<Record<RuleScope, string>>;
}

/** Builds a matcher from entries (expired ones are skipped at match time). */
export function createBlocklistMatcher(entries: readonly BlocklistEntry[]): BlocklistMatcher {
  const users = new Map<string, BlocklistEntry>();
  const devices = new Map<string, BlocklistEntry>();
  const ips: Array<{ entry: BlocklistEntry; list: BlockList }> = [];
  for (const entry of entries) {
    if (entry.kind === "USER") users.set(entry.value, entry);
    else if (entry.kind === "DEVICE") devices.set(entry.value, entry);
    else {
      const list = new BlockList();
      if (entry.kind === "IP_ADDRESS") list.addAddress(entry.value, isIP(entry.value) === 6 ? "ipv6" : "ipv4");
      else {
        const [net, bits] = entry.value.split("/") as [string, string];
        list.addSubnet(net, Number(bits), isIP(net) === 6 ? "ipv6" : "ipv4");
      }
      ips.push({ entry, list });
    }
  }
  const live = (entry: BlocklistEntry | undefined, now: Date) => (entry && (!entry.expiresAt || entry.expiresAt > now) ? entry : undefined);
  return {
    match(request, now) {
      const blocked: Partial<Record<RuleScope, string>> = {};
      const user = live(users.get(request.userId), now);
      if (user) blocked.USER = user.reason;
      const device = request.deviceId ? live(devices.get(request.deviceId), now) : undefined;
      if (device) blocked.DEVICE = device.reason;
      const family = isIP(request.ipAddress);
      if (family !== 0) {
        const type = family === 6 ? "ipv6" : "ipv4";
        const hit = ips.find(({ entry, list }) => live(entry, now) && list.check(request.ipAddress, type));
        if (hit) blocked.IP = hit.entry.reason;
      }
      return blocked;
    },
  };
}
