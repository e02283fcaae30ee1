/**
 * The description of a failed delivery kept as a batch's `last_error`, in
 * dead letters and in the log. Built from what is safe (the status, an error
 * code, the start of the receiver's answer) and scrubbed of anything that
 * could be a credential: the signing secrets in every form, signatures, the
 * webhook URL (it may carry a token) and any long token-like run. A receiver
 * that echoes the request back therefore cannot make the exporter store its
 * own secret or signatures.
 */

/** Most characters of a receiver's answer kept. */
const MAX_ANSWER_CHARS = 200;

/** What a delivery attempt came to, before scrubbing. */
export type DeliveryFailure =
  | { readonly kind: "status"; readonly status: number; readonly answer: string }
  | { readonly kind: "timeout"; readonly timeoutMs: number }
  | { readonly kind: "connection"; readonly code: string | undefined };

/** What must never survive in a description: the secrets as configured and their key material. */
export interface Sensitive {
  /** The `whsec_…` secrets (their base64 part is scrubbed too). */
  readonly secrets: readonly string[];
  /** The webhook URL. */
  readonly url: string;
}

/** Patterns replaced after the literal secrets, most specific first. */
const PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  [/whsec_[A-Za-z0-9+/=]*/g, "<secret>"],
  [/v1,[A-Za-z0-9+/=]+/g, "<signature>"],
  [/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]*/gi, "<url>"],
  [/[A-Za-z0-9+/=_-]{24,}/g, "<token>"],
];

/** Removes every sensitive value and secret-like run from `text`, folds white space and shortens it. */
export function scrub(text: string, sensitive: Sensitive): string {
  let out = text;
  const literals = [sensitive.url, ...sensitive.secrets.flatMap((s) => [s, s.replace(/^whsec_/, "")])].filter((s) => s.length >= 8);
  for (const literal of literals) out = out.split(literal).join("<redacted>");
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  out = out.replace(/\s+/g, " ").trim();
  return out.length > MAX_ANSWER_CHARS ? `${out.slice(0, MAX_ANSWER_CHARS)}…` : out;
}

/** The scrubbed one-line description of `failure`. */
export function describeFailure(failure: DeliveryFailure, sensitive: Sensitive): string {
  switch (failure.kind) {
    case "status": {
      const answer = scrub(failure.answer, sensitive);
      return `webhook answered ${failure.status}${answer ? `: ${answer}` : ""}`;
    }
    case "timeout":
      return `webhook did not answer within ${failure.timeoutMs} ms`;
    case "connection":
      return `webhook connection failed${failure.code && /^[A-Z0-9_]{2,40}$/.test(failure.code) ? ` (${failure.code})` : ""}`;
  }
}
