/**
 * Sends one signed batch to the SIEM webhook and says what came of it. The
 * signature is made afresh for every attempt (a new `webhook-timestamp`)
 * under the batch's fixed `webhook-id`, so retries and replays are the same
 * message to the receiver.
 */
import { describeFailure, type DeliveryFailure, type Sensitive } from "./domain/failure-description.js";
import { retryAfterMs, statusClassOf, verdictOf, type AnswerVerdict, type StatusClass } from "./domain/delivery-outcome.js";
import { signWebhook, type SigningKey } from "./domain/webhook-signature.js";

/** What one attempt came to. */
export interface SendResult {
  /** `aborted`: the caller's signal stopped the attempt (shutdown); it does not count. */
  readonly verdict: AnswerVerdict | "aborted";
  /** The HTTP status, when the receiver answered. */
  readonly status: number | undefined;
  readonly statusClass: StatusClass;
  readonly durationMs: number;
  /** The wait a 429 or 503 asked for. */
  readonly retryAfterMs: number | undefined;
  /** The scrubbed description of a failure; undefined when delivered. */
  readonly error: string | undefined;
}

/** Sends a batch body under its id. */
export interface WebhookSender {
  send(id: string, body: string, signal: AbortSignal): Promise<SendResult>;
}

/** Options of {@link createWebhookSender}. */
export interface WebhookSenderOptions {
  readonly url: string;
  readonly keys: readonly SigningKey[];
  readonly timeoutMs: number;
  readonly clock?: () => Date;
}

/** Most bytes of a refusal's answer read, for its description. */
const MAX_ANSWER_BYTES = 2_048;

/** The error code of a failed fetch (undici puts the socket's on its cause). */
function codeOf(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: unknown } }).cause;
  const code = cause?.code ?? (err as { code?: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

/** The start of an answer's body, without waiting long or reading much. */
async function answerOf(response: Response): Promise<string> {
  try {
    const text = await response.text();
    return text.slice(0, MAX_ANSWER_BYTES);
  } catch {
    return "";
  }
}

/** A sender POSTing JSON to `url`, signed with every key, each attempt bounded by `timeoutMs`. */
export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const clock = options.clock ?? (() => new Date());
  const sensitive: Sensitive = { secrets: options.keys.map((k) => k.secret), url: options.url };
  const failed = (failure: DeliveryFailure) => describeFailure(failure, sensitive);

  return {
    async send(id, body, signal) {
      const started = performance.now();
      const elapsed = () => performance.now() - started;
      const timeout = AbortSignal.timeout(options.timeoutMs);
      let response: Response;
      try {
        response = await fetch(options.url, {
          method: "POST",
          body,
          redirect: "manual",
          signal: AbortSignal.any([signal, timeout]),
          headers: { "content-type": "application/json", ...signWebhook(options.keys, id, body, clock()) },
        });
      } catch (err) {
        const base = { status: undefined, statusClass: "error" as const, durationMs: elapsed(), retryAfterMs: undefined };
        if (signal.aborted) return { ...base, verdict: "aborted", error: "stopped by shutdown" };
        const error = timeout.aborted ? failed({ kind: "timeout", timeoutMs: options.timeoutMs }) : failed({ kind: "connection", code: codeOf(err) });
        return { ...base, verdict: "retryable", error };
      }
      const verdict = verdictOf(response.status);
      const answer = verdict === "delivered" ? "" : await answerOf(response);
      if (verdict === "delivered") await response.body?.cancel().catch(() => {});
      return {
        verdict,
        status: response.status,
        statusClass: statusClassOf(response.status),
        durationMs: elapsed(),
        retryAfterMs: retryAfterMs(response.status, response.headers.get("retry-after"), clock()),
        error: verdict === "delivered" ? undefined : failed({ kind: "status", status: response.status, answer }),
      };
    },
  };
}
