/**
 * What a webhook answer means for the batch, and how long to wait before the
 * next attempt: pure rules, no I/O.
 *
 * - 2xx: delivered.
 * - 408, 429 and every other status (3xx, 5xx), a timeout or a broken
 *   connection: retried with exponential backoff and full jitter, or after
 *   the answer's `Retry-After` on 429 and 503.
 * - any other 4xx: permanent, the batch is dead-lettered at once.
 */
import { fullJitterDelayMs, type BackoffPolicy } from "#platform/outbox/backoff.js";

/** The label of `audit_export_request_duration_seconds`. */
export type StatusClass = "2xx" | "3xx" | "4xx" | "5xx" | "error";

/** Every status class, for registering the histogram's series up front. */
export const STATUS_CLASSES: readonly StatusClass[] = ["2xx", "3xx", "4xx", "5xx", "error"];

/** The verdict on one answer. */
export type AnswerVerdict = "delivered" | "retryable" | "permanent";

/** 4xx statuses that mean "later", not "never". */
const RETRYABLE_CLIENT_STATUSES = new Set([408, 429]);

/** Statuses whose `Retry-After` the exporter honours. */
const RETRY_AFTER_STATUSES = new Set([429, 503]);

/** The longest `Retry-After` honoured: a receiver asking for more is asked again after this long. */
export const MAX_RETRY_AFTER_MS = 60 * 60_000;

/** The status class of an HTTP status; "error" when there was no answer. */
export function statusClassOf(status: number | undefined): StatusClass {
  if (status === undefined) return "error";
  if (status >= 200 && status < 300) return "2xx";
  if (status >= 300 && status < 400) return "3xx";
  if (status >= 400 && status < 500) return "4xx";
  return status >= 500 && status < 600 ? "5xx" : "error";
}

/** The verdict on an answer with `status` (undefined: a timeout or connection failure). */
export function verdictOf(status: number | undefined): AnswerVerdict {
  if (status !== undefined && status >= 200 && status < 300) return "delivered";
  if (status !== undefined && status >= 400 && status < 500 && !RETRYABLE_CLIENT_STATUSES.has(status)) return "permanent";
  return "retryable";
}

/**
 * The wait a `Retry-After` header asks for, in milliseconds: delay-seconds
 * (`120`) or an HTTP date (`Wed, 21 Oct 2015 07:28:00 GMT`, counted from
 * `now`; a date in the past is 0). Undefined when the status is not 429 or
 * 503, the header is absent or unreadable. Capped at {@link MAX_RETRY_AFTER_MS}.
 */
export function retryAfterMs(status: number | undefined, header: string | null | undefined, now: Date): number | undefined {
  if (status === undefined || !RETRY_AFTER_STATUSES.has(status) || !header) return undefined;
  const value = header.trim();
  let ms: number;
  if (/^\d+$/.test(value)) ms = Number(value) * 1000;
  else {
    const at = Date.parse(value);
    if (Number.isNaN(at) || !/[a-z]/i.test(value)) return undefined;
    ms = Math.max(0, at - now.getTime());
  }
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}

/**
 * The wait before attempt `attempt + 1` after failed attempt number `attempt`
 * (1 for the first failure): what `Retry-After` asked for when it was given,
 * else a full-jitter draw between 0 and `min(max, base * 2^(attempt-1))`.
 */
export function retryDelayMs(policy: BackoffPolicy, attempt: number, askedMs: number | undefined, random: () => number = Math.random): number {
  return askedMs ?? fullJitterDelayMs(policy, attempt, random);
}
