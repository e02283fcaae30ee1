import { invalidField } from "./ledger-error.js";

/** Limits on caller metadata (Transaction.metadata). */
export const METADATA_MAX_ENTRIES = 32;
export const METADATA_MAX_KEY = 64;
export const METADATA_MAX_VALUE = 512;
/** Longest statement description. */
export const DESCRIPTION_MAX = 140;
/** Longest free-text reason (refunds, freezes, voids). */
export const REASON_MAX = 500;

/** Refuses metadata over its limits (INVALID_FIELD "metadata"). */
export function assertMetadata(metadata: Readonly<Record<string, string>>, field = "metadata"): Record<string, string> {
  const entries = Object.entries(metadata);
  if (entries.length > METADATA_MAX_ENTRIES) throw invalidField(field, `at most ${METADATA_MAX_ENTRIES} entries`);
  for (const [key, value] of entries) {
    if (key.length === 0 || key.length > METADATA_MAX_KEY) throw invalidField(field, `keys are 1 to ${METADATA_MAX_KEY} characters`);
    if (value.length > METADATA_MAX_VALUE) throw invalidField(field, `values are at most ${METADATA_MAX_VALUE} characters`);
  }
  return { ...metadata };
}

/** Refuses text longer than `max` (and empty text when required). */
export function assertText(value: string, field: string, max: number, required = false): string {
  if (required && value.trim() === "") throw invalidField(field, "is required");
  if (value.length > max) throw invalidField(field, `at most ${max} characters`);
  return value;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Refuses a missing or malformed id (INVALID_FIELD naming the field). */
export function assertUuid(value: string, field: string): string {
  if (!UUID.test(value)) throw invalidField(field, value === "" ? "is required" : `must be a UUID, got "${value}"`);
  return value.toLowerCase();
}
