import type { FastifyReply, FastifyRequest } from "fastify";

/** An RFC 9457 problem body as the edge sends it. */
export interface ProblemBody {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  /** Machine-readable reason (e.g. "INVALID_TOKEN", "RATE_LIMITED"). */
  readonly reason?: string;
  /** The request id, also in the `x-request-id` response header (added by {@link sendProblem}). */
  readonly requestId?: string;
}

/**
 * A refusal decided by an edge protection: the status, a problem body and
 * the response headers that go with it (`WWW-Authenticate`, `Retry-After`...).
 * Thrown by the guards the core calls (step-up, idempotency) and sent as is
 * by the hooks; the core's error handler should send it with
 * {@link sendProblem} (it never carries internal detail).
 */
export class EdgeProblem extends Error {
  override readonly name = "EdgeProblem";

  constructor(
    readonly status: number,
    readonly title: string,
    readonly reason: string,
    readonly detail: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(detail);
  }

  /** The problem+json body. */
  body(): ProblemBody {
    return { type: "about:blank", title: this.title, status: this.status, detail: this.detail, reason: this.reason };
  }
}

/** The reason of the problem each request was answered with, for the audit line. */
const reasons = new WeakMap<FastifyRequest, string>();

/** The problem reason `request` was answered with by {@link sendProblem}, if any. */
export function problemReasonOf(request: FastifyRequest): string | undefined {
  return reasons.get(request);
}

/**
 * Sends `problem` as `application/problem+json` with its headers and the
 * request id in the body; returns the reply for hooks to return.
 */
export function sendProblem(reply: FastifyReply, problem: EdgeProblem): FastifyReply {
  reasons.set(reply.request, problem.reason);
  for (const [name, value] of Object.entries(problem.headers)) void reply.header(name, value);
  const body: ProblemBody = { ...problem.body(), requestId: reply.request.id };
  return reply.code(problem.status).type("application/problem+json").send(body);
}
