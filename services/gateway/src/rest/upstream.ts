import type { DescMethodUnary, DescService, Message } from "@bufbuild/protobuf";
import type { Interceptor } from "@connectrpc/connect";
import { createServiceClient } from "#platform/clients/index.js";

/** What the edge passes along with each upstream call. */
export interface UpstreamCallContext {
  /**
   * Headers for the upstream: `authorization`, `x-request-id`, `x-client-ip`,
   * `x-client-user-agent`, `idempotency-key` (and whatever the edge
   * protections add, such as the verified subject).
   */
  readonly headers: Headers;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
  readonly requestId: string;
  /** Called with the upstream's response headers and with its trailers (to pass {@link IDEMPOTENT_REPLAYED_HEADER} on). */
  readonly onResponseMetadata?: (metadata: Headers) => void;
}

/** Response header (or trailer) an upstream sets to `true` on a replayed idempotent write; the edge passes it on. */
export const IDEMPOTENT_REPLAYED_HEADER = "idempotent-replayed";

/**
 * How the REST edge reaches the services behind it: one unary RPC. Tests
 * inject a fake; the edge protections wrap the default one with deadlines,
 * retries and a circuit breaker.
 *
 * Errors: a ConnectError with the upstream's code and details (mapped to a
 * problem by `toProblem`); `Unavailable` when the upstream cannot be reached.
 */
export interface UpstreamCaller {
  call(service: DescService, method: DescMethodUnary, request: Message, context: UpstreamCallContext): Promise<Message>;
}

/** Dependencies of {@link createUpstreamCaller}. */
export interface UpstreamCallerOptions {
  /** Base URL of each exposed service, by its fully-qualified name (`wallet.bff.v1.MobileBffService`). */
  readonly baseUrls: ReadonlyMap<string, string>;
  /** This process's internal-auth client interceptor: signs every call. */
  readonly internalAuth: Interceptor;
  /** Deadline of a call that sets none. */
  readonly defaultTimeoutMs?: number;
}

type UnaryFn = (
  request: Message,
  options: { headers: Headers; signal: AbortSignal; onHeader?: (headers: Headers) => void; onTrailer?: (trailers: Headers) => void },
) => Promise<Message>;

/**
 * The default upstream caller: a gRPC client per service over
 * `createServiceClient` (HTTP/2, signed by internal auth, bounded by a
 * default deadline), created on first use.
 */
export function createUpstreamCaller(options: UpstreamCallerOptions): UpstreamCaller {
  const clients = new Map<string, Record<string, UnaryFn>>();
  const clientOf = (service: DescService): Record<string, UnaryFn> => {
    let client = clients.get(service.typeName);
    if (!client) {
      const baseUrl = options.baseUrls.get(service.typeName);
      if (baseUrl === undefined) throw new Error(`no upstream URL for ${service.typeName}`);
      client = createServiceClient(service, {
        baseUrl,
        internalAuth: options.internalAuth,
        defaultTimeoutMs: options.defaultTimeoutMs,
      }) as unknown as Record<string, UnaryFn>;
      clients.set(service.typeName, client);
    }
    return client;
  };
  return {
    call(service, method, request, context) {
      const fn = clientOf(service)[method.localName];
      if (!fn) throw new Error(`${service.typeName} has no method ${method.name}`);
      const onMetadata = context.onResponseMetadata;
      return fn(request, { headers: context.headers, signal: context.signal, ...(onMetadata ? { onHeader: onMetadata, onTrailer: onMetadata } : {}) });
    },
  };
}
