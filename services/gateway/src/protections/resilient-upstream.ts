import { create, type DescMethod, type DescService } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  circuitBreaker,
  handleWhen,
  retry,
  type CircuitBreakerPolicy,
  type RetryPolicy,
} from "cockatiel";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { changesState } from "#platform/access-tokens/index.js";
import { ErrorInfoSchema, RetryInfoSchema } from "#gen/google/rpc/error_details_pb.js";
import { EdgeProblem } from "./problem.js";
import { IDEMPOTENCY_KEY_HEADER } from "./idempotency.js";

/** How the edge treats one upstream service. */
export interface UpstreamPolicy {
  /** Deadline of one attempt. */
  readonly timeoutMs: number;
  /** Retries after the first attempt, for idempotent or keyed calls only. */
  readonly maxRetries: number;
  /** First backoff delay; later ones grow exponentially with decorrelated jitter. */
  readonly initialBackoffMs: number;
  /** Longest backoff delay. */
  readonly maxBackoffMs: number;
  /** Consecutive failures (Unavailable, DeadlineExceeded, Unknown) that open the breaker. */
  readonly breakerFailures: number;
  /** How long the open breaker fails fast before letting one probe through. */
  readonly halfOpenAfterMs: number;
}

/** Defaults of {@link UpstreamPolicy}. */
export const DEFAULT_UPSTREAM_POLICY: UpstreamPolicy = {
  timeoutMs: 5_000,
  maxRetries: 2,
  initialBackoffMs: 50,
  maxBackoffMs: 1_000,
  breakerFailures: 5,
  halfOpenAfterMs: 10_000,
};

/** Options of a call as the REST core passes them (headers as a record, `Headers` or pairs). */
export interface UpstreamCallOptionsLike {
  readonly headers?: Headers | Record<string, string> | [string, string][] | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly requestId?: string | undefined;
}

/** The structural shape of the core's `UpstreamCaller` (`services/gateway/src/rest/upstream.ts`). */
export interface UpstreamCallerLike {
  call(service: DescService | string, method: DescMethod | string, request: any, options: any): Promise<any>;
}

/** Options of {@link createResilientUpstream}. */
export interface ResilientUpstreamOptions {
  /** Policy for every upstream; default {@link DEFAULT_UPSTREAM_POLICY}. */
  readonly defaultPolicy?: Partial<UpstreamPolicy>;
  /** Overrides by service type name, e.g. `{ "wallet.bff.v1.MobileBffService": { timeoutMs: 3000 } }`. */
  readonly policyPerService?: Readonly<Record<string, Partial<UpstreamPolicy>>>;
  /** The process's metrics registry (`runtime.metrics.registry`). */
  readonly registry: Registry;
  /** The clock for Retry-After; default Date.now (cockatiel's breaker uses Date.now too). */
  readonly now?: () => number;
}

/** Brand of {@link UpstreamCircuitOpenError}s (ConnectError's `instanceof` matches any ConnectError). */
const CIRCUIT_OPEN = Symbol("upstream-circuit-open");

/** A call refused while the upstream's breaker is open: Unavailable with a RetryInfo. */
export class UpstreamCircuitOpenError extends ConnectError {
  override name = "UpstreamCircuitOpenError";
  readonly [CIRCUIT_OPEN] = true;

  /** ConnectError's own check accepts every ConnectError; this one only open-breaker refusals. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[CIRCUIT_OPEN] === true;
  }

  constructor(
    readonly upstream: string,
    readonly retryAfterSec: number,
  ) {
    super(`${upstream} is unavailable (circuit open)`, Code.Unavailable, undefined, [
      { desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason: "UPSTREAM_CIRCUIT_OPEN", domain: "gateway.wallet", metadata: { upstream } }) },
      { desc: RetryInfoSchema, value: create(RetryInfoSchema, { retryDelay: { seconds: BigInt(retryAfterSec), nanos: 0 } }) },
    ]);
  }
}

/** The 503 with `Retry-After` for an open breaker, for the core's error mapping (try it before `toProblem`). */
export function circuitOpenProblem(err: unknown): EdgeProblem | undefined {
  if (!(err instanceof UpstreamCircuitOpenError)) return undefined;
  return new EdgeProblem(503, "Service Unavailable", "UPSTREAM_UNAVAILABLE", "a service behind the edge is unavailable; retry later", {
    "retry-after": String(err.retryAfterSec),
  });
}

/** Codes that say the upstream (not the request) failed: they count for the breaker. */
const BREAKER_CODES: ReadonlySet<Code> = new Set([Code.Unavailable, Code.DeadlineExceeded, Code.Unknown]);

/** Codes worth retrying: the call may not have run, or ran and is safe to repeat. */
const RETRY_CODES: ReadonlySet<Code> = new Set([Code.Unavailable, Code.DeadlineExceeded]);

const codeOf = (err: unknown): Code | undefined => (err instanceof ConnectError ? err.code : undefined);

/**
 * Whether an upstream failure counts against its breaker (non-Connect errors
 * are transport failures). An Unavailable that names its condition in an
 * ErrorInfo (RISK_UNAVAILABLE, REVOCATION_UNAVAILABLE, the ledger's
 * CONCURRENT_MODIFICATION) comes from an upstream that is up and answering:
 * it is worth a retry, but opening the breaker on it would refuse every other
 * call to that upstream for one dependency's or one request's trouble.
 */
export function isUpstreamFailure(err: unknown): boolean {
  if (err instanceof UpstreamCircuitOpenError || err instanceof BrokenCircuitError) return false;
  const code = codeOf(err);
  if (code === undefined) return true;
  if (code === Code.Unavailable && (err as ConnectError).findDetails(ErrorInfoSchema).length > 0) return false;
  return BREAKER_CODES.has(code);
}

/** Whether a failed attempt may be retried (the call itself must also be idempotent or keyed). */
export function isRetryableFailure(err: unknown): boolean {
  const code = codeOf(err);
  return code !== undefined && RETRY_CODES.has(code);
}

/** A header's value from any of the shapes the core may pass. */
function headerOf(headers: UpstreamCallOptionsLike["headers"], name: string): string | undefined {
  if (!headers) return undefined;
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  if (Array.isArray(headers)) return headers.find(([key]) => key.toLowerCase() === name)?.[1];
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

/** Whether the RPC is a read by its HTTP binding (safe to repeat): the platform's one classification. */
export function isGetMapped(method: DescMethod | string): boolean {
  return typeof method !== "string" && !changesState(method);
}

/** Whether a call may be retried: a GET-mapped RPC or one carrying an Idempotency-Key. */
export function isRetrySafe(method: DescMethod | string, options: UpstreamCallOptionsLike | undefined): boolean {
  return isGetMapped(method) || (headerOf(options?.headers, IDEMPOTENCY_KEY_HEADER) ?? "") !== "";
}

/** Numeric gauge values of the breaker states. */
const STATE_VALUE: Record<CircuitState, number> = {
  [CircuitState.Closed]: 0,
  [CircuitState.Open]: 1,
  [CircuitState.HalfOpen]: 2,
  [CircuitState.Isolated]: 3,
};

/** One metric of `registry`, created once (a second wrapper on the same registry reuses it). */
function metric<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/** The policies of one upstream. */
interface Upstream {
  readonly policy: UpstreamPolicy;
  readonly breaker: CircuitBreakerPolicy;
  readonly retry: RetryPolicy;
  openedAt: number;
}

/**
 * Wraps the core's upstream caller with, per upstream service:
 *  - a deadline per attempt (`timeoutMs`; DeadlineExceeded when it fires);
 *  - bounded retries with exponential backoff and decorrelated jitter
 *    (cockatiel), only for GET-mapped or Idempotency-Key'd calls and only
 *    on Unavailable or DeadlineExceeded;
 *  - a consecutive-failure circuit breaker (cockatiel): while open, calls fail
 *    at once with {@link UpstreamCircuitOpenError} (503 + Retry-After through
 *    {@link circuitOpenProblem}); after `halfOpenAfterMs` one probe goes
 *    through and its success closes the breaker;
 *  - metrics: `gateway_upstream_duration_seconds{upstream,method,outcome}`,
 *    `gateway_upstream_retries_total{upstream,method}`,
 *    `gateway_upstream_circuit_state{upstream}` (0 closed, 1 open, 2 half-open)
 *    and `gateway_upstream_circuit_opened_total{upstream}`.
 */
export function createResilientUpstream<C extends UpstreamCallerLike>(inner: C, options: ResilientUpstreamOptions): C {
  const now = options.now ?? Date.now;
  const { registry } = options;
  const duration = metric(registry, "gateway_upstream_duration_seconds", () =>
    new Histogram({
      name: "gateway_upstream_duration_seconds",
      help: "Upstream calls from the edge in seconds, retries included, by outcome (ok, a Connect code, circuit_open).",
      labelNames: ["upstream", "method", "outcome"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  );
  const retries = metric(registry, "gateway_upstream_retries_total", () =>
    new Counter({ name: "gateway_upstream_retries_total", help: "Upstream call retries by the edge.", labelNames: ["upstream", "method"] as const, registers: [registry] }),
  );
  const state = metric(registry, "gateway_upstream_circuit_state", () =>
    new Gauge({ name: "gateway_upstream_circuit_state", help: "Breaker state per upstream: 0 closed, 1 open, 2 half-open, 3 isolated.", labelNames: ["upstream"] as const, registers: [registry] }),
  );
  const opened = metric(registry, "gateway_upstream_circuit_opened_total", () =>
    new Counter({ name: "gateway_upstream_circuit_opened_total", help: "Times an upstream's breaker opened.", labelNames: ["upstream"] as const, registers: [registry] }),
  );

  const upstreams = new Map<string, Upstream>();
  const upstreamFor = (name: string): Upstream => {
    let upstream = upstreams.get(name);
    if (upstream) return upstream;
    const policy: UpstreamPolicy = { ...DEFAULT_UPSTREAM_POLICY, ...options.defaultPolicy, ...options.policyPerService?.[name] };
    const breaker = circuitBreaker(handleWhen(isUpstreamFailure), {
      breaker: new ConsecutiveBreaker(policy.breakerFailures),
      halfOpenAfter: policy.halfOpenAfterMs,
    });
    const retryPolicy = retry(handleWhen(isRetryableFailure), {
      maxAttempts: policy.maxRetries,
      backoff: new ExponentialBackoff({ initialDelay: policy.initialBackoffMs, maxDelay: policy.maxBackoffMs }),
    });
    upstream = { policy, breaker, retry: retryPolicy, openedAt: 0 };
    const current = upstream;
    breaker.onStateChange((next) => {
      state.set({ upstream: name }, STATE_VALUE[next]);
      if (next === CircuitState.Open) {
        current.openedAt = now();
        opened.inc({ upstream: name });
      }
    });
    state.set({ upstream: name }, 0);
    upstreams.set(name, upstream);
    return upstream;
  };

  /** One attempt through the breaker, bounded by the policy's deadline. */
  async function attempt(upstream: Upstream, name: string, args: [unknown, unknown, unknown, UpstreamCallOptionsLike | undefined]) {
    const [service, method, request, callOptions] = args;
    try {
      return await upstream.breaker.execute(async () => {
        const deadline = new AbortController();
        const timer = setTimeout(() => deadline.abort(), upstream.policy.timeoutMs);
        const signal = callOptions?.signal ? AbortSignal.any([callOptions.signal, deadline.signal]) : deadline.signal;
        try {
          return await inner.call(service as never, method as never, request, { ...callOptions, signal });
        } catch (err) {
          if (deadline.signal.aborted && !callOptions?.signal?.aborted) {
            throw new ConnectError(`${name} did not answer within ${upstream.policy.timeoutMs} ms`, Code.DeadlineExceeded, undefined, undefined, err);
          }
          throw err;
        } finally {
          clearTimeout(timer);
        }
      });
    } catch (err) {
      if (err instanceof BrokenCircuitError) {
        const remainingMs = upstream.openedAt + upstream.policy.halfOpenAfterMs - now();
        throw new UpstreamCircuitOpenError(name, Math.max(1, Math.ceil(remainingMs / 1000)));
      }
      throw err;
    }
  }

  const call = async (service: DescService | string, method: DescMethod | string, request: unknown, callOptions?: UpstreamCallOptionsLike) => {
    const name = typeof service === "string" ? service : service.typeName;
    const methodName = typeof method === "string" ? method : method.name;
    const upstream = upstreamFor(name);
    const started = performance.now();
    const args = [service, method, request, callOptions] as [unknown, unknown, unknown, UpstreamCallOptionsLike | undefined];
    let outcome = "ok";
    try {
      if (!isRetrySafe(method, callOptions)) return await attempt(upstream, name, args);
      return await upstream.retry.execute(async (context) => {
        if (context.attempt > 0) retries.inc({ upstream: name, method: methodName });
        return attempt(upstream, name, args);
      }, callOptions?.signal);
    } catch (err) {
      outcome = err instanceof UpstreamCircuitOpenError ? "circuit_open" : err instanceof ConnectError ? Code[err.code].toLowerCase() : "error";
      throw err;
    } finally {
      duration.observe({ upstream: name, method: methodName, outcome }, (performance.now() - started) / 1000);
    }
  };

  return Object.assign(Object.create(inner) as object, { call }) as C;
}
