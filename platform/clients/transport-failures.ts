/**
 * THE place where a broken exchange with another service becomes a
 * retryable code. connect-node reports a connection reset as `Aborted`
 * (ECONNRESET), a stream the peer closed or reset as `Canceled` (CANCEL) or
 * `Internal` (INTERNAL_ERROR, REFUSED_STREAM...), and those codes mean
 * something else to everyone downstream: `Aborted` is a concurrency conflict
 * (409 at the edge), `Canceled` a caller that gave up. A call that broke
 * under its caller may or may not have run, so it is `Unavailable`: back off
 * and retry, with the same idempotency key for a write.
 */
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";

/** Node.js error codes of a connection or stream that broke under a call. */
const BROKEN_TRANSPORT_CODES: ReadonlySet<string> = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "EAI_AGAIN",
  "ERR_STREAM_DESTROYED",
  "ERR_STREAM_PREMATURE_CLOSE",
  "ERR_STREAM_WRITE_AFTER_END",
  "ERR_HTTP2_ERROR",
  "ERR_HTTP2_STREAM_ERROR",
  "ERR_HTTP2_STREAM_CANCEL",
  "ERR_HTTP2_SESSION_ERROR",
  "ERR_HTTP2_GOAWAY_SESSION",
  "ERR_HTTP2_INVALID_SESSION",
  "ERR_HTTP2_INVALID_STREAM",
  "ERR_HTTP2_PING_CANCEL",
]);

/**
 * connect-node's own errors for a reset stream or a session that went away
 * (`connectErrorFromH2ResetCode`, `Http2SessionManager`): they carry no Node.js
 * cause, so their message is all there is. Resets that say something else
 * (ENHANCE_YOUR_CALM → ResourceExhausted, HTTP_1_1_REQUIRED → PermissionDenied)
 * keep their code because they are not Canceled or Internal.
 */
const CONNECT_NODE_TRANSPORT_MESSAGE = /^(http\/2 stream closed with error code [A-Z_]+ \(0x[0-9a-f]+\)|expected open session, but it is (destroyed|closed))$/;

/** Codes a broken transport surfaces as, besides Unavailable itself. */
const TRANSPORT_MISREPORTED_CODES: ReadonlySet<Code> = new Set([Code.Canceled, Code.Aborted, Code.Internal, Code.Unknown]);

/** The Node.js `code` of every error in `reason`'s cause chain. */
function nodeCodesOf(reason: unknown): string[] {
  const codes: string[] = [];
  const seen = new Set<unknown>();
  for (let at = reason; at instanceof Error && !seen.has(at); at = at.cause) {
    seen.add(at);
    const code = (at as { code?: unknown }).code;
    if (typeof code === "string") codes.push(code);
  }
  return codes;
}

/** Whether the error came from the peer: a gRPC status in the response header or trailer. */
export function isServerSentError(err: ConnectError): boolean {
  return err.isWireError || err.metadata.has("grpc-status");
}

/**
 * Whether `err` says the connection or stream broke under the call (rather
 * than the server answering): a Node.js socket or HTTP/2 error in its cause
 * chain, or one of connect-node's own reset and session errors.
 */
export function isBrokenTransport(err: ConnectError): boolean {
  if (isServerSentError(err)) return false;
  if (nodeCodesOf(err).some((code) => BROKEN_TRANSPORT_CODES.has(code))) return true;
  return CONNECT_NODE_TRANSPORT_MESSAGE.test(err.rawMessage);
}

/**
 * What a failed call to `target` reports to its caller. The caller's own
 * cancellation or deadline (`callSignal` aborted) stays as it is; so does any
 * answer of the server but a `Canceled` (the caller did not cancel, so the
 * server or something between gave up: retryable). A broken connection or
 * stream becomes `Unavailable`, keeping the original as `cause` for logs.
 */
export function normalizeTransportFailure(err: unknown, callSignal: AbortSignal, target: string): unknown {
  if (callSignal.aborted) return err;
  if (!(err instanceof ConnectError)) {
    return nodeCodesOf(err).some((code) => BROKEN_TRANSPORT_CODES.has(code)) ? unavailable(target, ConnectError.from(err), err) : err;
  }
  if (isServerSentError(err)) return err.code === Code.Canceled ? unavailable(target, err, err) : err;
  if (!TRANSPORT_MISREPORTED_CODES.has(err.code)) return err;
  // Locally, only the transport reports Canceled or Aborted while the caller's signal is live.
  if (err.code === Code.Canceled || err.code === Code.Aborted || isBrokenTransport(err)) return unavailable(target, err, err);
  return err;
}

function unavailable(target: string, err: ConnectError, cause: unknown): ConnectError {
  return new ConnectError(`${target} is unavailable: ${err.rawMessage}`, Code.Unavailable, undefined, undefined, cause);
}

/**
 * A client interceptor applying {@link normalizeTransportFailure} to unary
 * calls and to every message of a streaming response. Put it first (outermost)
 * so it sees the errors of every other interceptor too.
 */
export function createTransportFailureInterceptor(): Interceptor {
  return (next) => async (req) => {
    const target = req.service.typeName;
    let res;
    try {
      res = await next(req);
    } catch (err) {
      throw normalizeTransportFailure(err, req.signal, target);
    }
    if (!res.stream) return res;
    const source = res.message;
    async function* normalized() {
      try {
        yield* source;
      } catch (err) {
        throw normalizeTransportFailure(err, req.signal, target);
      }
    }
    return { ...res, message: normalized() };
  };
}
