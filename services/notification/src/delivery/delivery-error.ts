import { ProviderError } from "./providers/provider.js";

/** Longest provider message kept in `last_error`. */
const MAX_MESSAGE_LENGTH = 160;

/** What never leaves the worker in `last_error` or logs, most specific first. */
const scrubbers: ReadonlyArray<readonly [RegExp, string]> = [
  // URLs may carry credentials or tokens in user info, paths or queries.
  [/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, "<url>"],
  [/[^\s<>()"',;:]+@[^\s<>()"',;:]+/g, "<address>"],
  // Phone numbers, codes, account numbers.
  [/\+?\d[\d\s-]{4,}\d/g, "<digits>"],
  // Long unbroken runs look like tokens, keys or signatures.
  [/[A-Za-z0-9_\-+/=.]{20,}/g, "<token>"],
];

/** Removes addresses, digit runs and token-like strings from a provider's message, and shortens it. */
export function scrubProviderMessage(message: string): string {
  let scrubbed = message;
  for (const [pattern, replacement] of scrubbers) scrubbed = scrubbed.replace(pattern, replacement);
  scrubbed = scrubbed.replace(/\s+/g, " ").trim();
  return scrubbed.length > MAX_MESSAGE_LENGTH ? `${scrubbed.slice(0, MAX_MESSAGE_LENGTH)}…` : scrubbed;
}

/**
 * The description of a failed send stored in `last_error`, shown in the
 * dead letters and logged: the error class, its code or status, and the
 * scrubbed message. Never the error object itself: nodemailer's errors list
 * the rejected addresses, fetch's may hold the URL.
 */
export function describeDeliveryError(error: unknown): string {
  if (!(error instanceof Error)) return "UnknownError";
  const parts: string[] = [error.name];
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && /^[A-Z0-9_]{2,40}$/.test(code)) parts.push(code);
  if (error instanceof ProviderError && error.status !== undefined) parts.push(String(error.status));
  const cause = error.cause instanceof Error ? ` (cause: ${error.cause.name})` : "";
  return `${parts.join(" ")}: ${scrubProviderMessage(error.message)}${cause}`;
}

/** True when retrying cannot help (a 4xx from a gateway, an SMTP 5xx, a push user without devices). */
export function isPermanent(error: unknown): boolean {
  return error instanceof ProviderError && error.permanent;
}
