/**
 * How a careful mobile app calls the edge, and how a careful internal caller
 * calls the ledger: every money movement carries an idempotency key and is
 * sent again, with the same key, after a network error, a 5xx, a 429 or an
 * "in progress" 409, until it gets a final answer or its deadline passes.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { callEdge, type EdgeCaller } from "../mesh/edge-client.js";

/** One attempt as the client saw it. */
export interface Attempt {
  readonly operation: string;
  /** Epoch ms when the attempt was sent. */
  readonly at: number;
  readonly durationMs: number;
  /** HTTP status, a gRPC code name for direct ledger calls, or "network". */
  readonly status: number | string;
  /** The problem's or the ErrorInfo's reason. */
  readonly reason?: string;
}

/** The final answer of a request after its retries. */
export type Outcome =
  | { readonly kind: "success"; readonly body: any; readonly attempts: number }
  | { readonly kind: "refused"; readonly status: number | string; readonly reason: string; readonly attempts: number }
  | { readonly kind: "unresolved"; readonly attempts: number };

export interface RetryOptions {
  /** Give up (leave the request unresolved) once this much time has passed. */
  readonly deadlineMs: number;
  /** Every attempt, for the figures and the status checks. */
  readonly record: (attempt: Attempt) => void;
}

/** Reasons a careful client sends again: the first request with the key is still being worked on. */
const RETRY_REASONS = new Set(["IDEMPOTENCY_KEY_IN_PROGRESS"]);

/**
 * How long the app waits for the edge's answer: longer than the edge's own
 * upstream deadlines and retries, so a timeout means the edge failed to answer
 * (a breach), not that a fault behind it was slow.
 */
const EDGE_ANSWER_TIMEOUT_MS = 30_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Full-jitter backoff from 100 ms, doubling to 2 s; a Retry-After is honoured up to 5 s. */
function backoffMs(attempt: number, retryAfterSeconds?: number): number {
  if (retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds)) return Math.min(5_000, retryAfterSeconds * 1_000);
  return Math.random() * Math.min(2_000, 100 * 2 ** attempt);
}

/** A keyed POST to the edge, retried as a careful app does. */
export async function carefulPost(
  edgeUrl: string,
  caller: EdgeCaller,
  operation: string,
  path: string,
  body: unknown,
  idempotencyKey: string,
  options: RetryOptions,
): Promise<Outcome> {
  const deadline = Date.now() + options.deadlineMs;
  for (let attempt = 1; ; attempt++) {
    const at = Date.now();
    let retryAfter: number | undefined;
    try {
      const answer = await callEdge(edgeUrl, caller, "POST", path, { body, headers: { "idempotency-key": idempotencyKey }, timeoutMs: EDGE_ANSWER_TIMEOUT_MS });
      const reason = typeof answer.body?.reason === "string" ? answer.body.reason : undefined;
      options.record({ operation, at, durationMs: Date.now() - at, status: answer.status, ...(reason ? { reason } : {}) });
      if (answer.status >= 200 && answer.status < 300) return { kind: "success", body: answer.body, attempts: attempt };
      const retryable = answer.status >= 500 || answer.status === 429 || (answer.status === 409 && RETRY_REASONS.has(reason ?? ""));
      if (!retryable) return { kind: "refused", status: answer.status, reason: reason ?? "", attempts: attempt };
      const header = answer.headers.get("retry-after");
      retryAfter = header === null ? undefined : Number(header);
    } catch {
      options.record({ operation, at, durationMs: Date.now() - at, status: "network" });
    }
    if (Date.now() >= deadline) return { kind: "unresolved", attempts: attempt };
    await sleep(backoffMs(attempt, retryAfter));
  }
}

/** gRPC codes a careful internal caller retries with the same idempotency key. */
const RETRY_CODES = new Set([Code.Unavailable, Code.DeadlineExceeded, Code.ResourceExhausted]);

/** A keyed unary call to the ledger, retried as a careful internal caller does. */
export async function carefulRpc<T>(operation: string, call: () => Promise<T>, options: RetryOptions): Promise<Outcome> {
  const deadline = Date.now() + options.deadlineMs;
  for (let attempt = 1; ; attempt++) {
    const at = Date.now();
    try {
      const body = await call();
      options.record({ operation, at, durationMs: Date.now() - at, status: "OK" });
      return { kind: "success", body, attempts: attempt };
    } catch (err) {
      const error = ConnectError.from(err);
      const reason = reasonOf(error);
      options.record({ operation, at, durationMs: Date.now() - at, status: Code[error.code], ...(reason ? { reason } : {}) });
      const retryable = RETRY_CODES.has(error.code) || RETRY_REASONS.has(reason ?? "");
      if (!retryable) return { kind: "refused", status: Code[error.code], reason: reason ?? "", attempts: attempt };
    }
    if (Date.now() >= deadline) return { kind: "unresolved", attempts: attempt };
    await sleep(backoffMs(attempt));
  }
}

function reasonOf(error: ConnectError): string | undefined {
  try {
    return error.findDetails(ErrorInfoSchema)[0]?.reason || undefined;
  } catch {
    return undefined;
  }
}
