/** The channels and categories in the contract's fixed order (notification.proto). */
import type { CategoryName, ChannelName } from "../storage/notification.table.js";

export type { CategoryName, ChannelName };

/** Channel order of every list: EMAIL, SMS, PUSH. */
export const CHANNELS: readonly ChannelName[] = ["EMAIL", "SMS", "PUSH"];

/** Category order of every list: SECURITY, TRANSACTIONS, MARKETING. */
export const CATEGORIES: readonly CategoryName[] = ["SECURITY", "TRANSACTIONS", "MARKETING"];
