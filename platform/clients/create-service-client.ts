import type { DescService } from "@bufbuild/protobuf";
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { callRecorder } from "./call-record.js";
import { createTransportFailureInterceptor } from "./transport-failures.js";

/**
 * Options for {@link createServiceClient}. The base URL comes from the
 * caller's config: declare `LEDGER_URL: httpUrl("http://127.0.0.1:8082")`
 * (see `upstreamUrlVariable`) in the process's extra config.
 */
export interface ServiceClientOptions {
  /** The upstream's base URL, e.g. http://ledger:8082. */
  readonly baseUrl: string;
  /** The internal-auth client interceptor of this process (signs every call); put last. */
  readonly internalAuth: Interceptor;
  /** Deadline applied to every call that sets none; default 5 s. */
  readonly defaultTimeoutMs?: number;
  /** Interceptors that run before signing (e.g. forwarding the end-user subject). */
  readonly interceptors?: Interceptor[];
}

/**
 * A gRPC client of another mesh service over HTTP/2, signed by this process's
 * internal authentication and bounded by a default deadline.
 *
 * Errors: the server's answer with its code and details, except a
 * `Canceled` the caller did not ask for; a connection or stream that broke
 * under the call (the server crashed, a reset, a refused connection) as
 * `Unavailable`; the caller's own cancellation as `Canceled` and its
 * deadline as `DeadlineExceeded` (see `transport-failures.ts`).
 */
export function createServiceClient<S extends DescService>(service: S, options: ServiceClientOptions): Client<S> {
  const transport = createGrpcTransport({
    baseUrl: options.baseUrl,
    defaultTimeoutMs: options.defaultTimeoutMs ?? 5_000,
    // Transport failures are normalised outermost; signing must see the request exactly as sent, so it comes last
    // (but for the test run's call recorder, which only reads the caller id signing set).
    interceptors: [createTransportFailureInterceptor(), ...(options.interceptors ?? []), options.internalAuth, ...(callRecorder ? [callRecorder] : [])],
  });
  return createClient(service, transport);
}
