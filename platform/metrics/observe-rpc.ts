import { ConnectError, Code, type Interceptor, type StreamRequest, type UnaryRequest } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";

/** How an RPC ended, as seen by a server interceptor. */
export interface RpcOutcome {
  /** "package.Service/Method", e.g. "wallet.ledger.v1.LedgerService/Transfer". */
  readonly method: string;
  /** Connect code name: "ok", "invalid_argument", "canceled"... */
  readonly code: string;
  /** Wall time from the call entering the interceptor to its last message. */
  readonly durationMs: number;
  /** The error the handler raised, if any (kept for logs, never sent). */
  readonly error?: unknown;
  /** Whether the method streams in either direction. */
  readonly streaming: boolean;
}

/** The metrics and logs label for an RPC method. */
export function methodLabel(typeName: string, methodName: string): string {
  return `${typeName}/${methodName}`;
}

/** The Connect code name for an error thrown by a handler. */
export function errorCodeName(error: unknown): string {
  if (error instanceof ConnectError) return codeToString(error.code);
  // Connect turns a plain thrown error into Internal for the client.
  return codeToString(Code.Internal);
}

/**
 * Builds a server interceptor that reports every call's outcome once: after
 * the unary response, or when a stream's last message has been sent, it
 * failed, or the client went away (reported as "canceled").
 */
export function createRpcObserver(
  report: (outcome: RpcOutcome, req: UnaryRequest | StreamRequest) => void,
): Interceptor {
  return (next) => async (req) => {
    const started = performance.now();
    const method = methodLabel(req.service.typeName, req.method.name);
    let reported = false;
    const finish = (code: string, error?: unknown) => {
      if (reported) return;
      reported = true;
      const durationMs = performance.now() - started;
      report({ method, code, durationMs, error, streaming: req.stream }, req);
    };
    let res;
    try {
      res = await next(req);
    } catch (error) {
      finish(errorCodeName(error), error);
      throw error;
    }
    if (!res.stream) {
      finish("ok");
      return res;
    }
    const onAbort = () => finish(codeToString(Code.Canceled));
    req.signal.addEventListener("abort", onAbort, { once: true });
    const source = res.message;
    async function* observed() {
      try {
        yield* source;
        finish("ok");
      } catch (error) {
        finish(errorCodeName(error), error);
        throw error;
      } finally {
        req.signal.removeEventListener("abort", onAbort);
        finish(codeToString(Code.Canceled)); // consumer stopped early
      }
    }
    return { ...res, message: observed() };
  };
}
