import { Code, ConnectError, type ContextValues, type Interceptor } from "@connectrpc/connect";
import { isDataException } from "../db/errors.js";
import { errorInfoDetail } from "../errors/error-info.js";
import { createRpcObserver, methodLabel } from "../metrics/index.js";
import { INVALID_TEXT_REASON, PLATFORM_ERROR_DOMAIN } from "../text-hygiene/index.js";
import { requestContext } from "./context-values.js";

/** Codes that mean the server is at fault: logged at error level with the cause. */
const serverFaults = new Set(["internal", "unknown", "data_loss"]);

/** Probes and tooling that call every few seconds: successful calls log at debug level. */
const quietServices = new Set([
  "grpc.health.v1.Health",
  "grpc.reflection.v1.ServerReflection",
  "grpc.reflection.v1alpha.ServerReflection",
]);

/**
 * Logs one line per RPC (method, code, duration; never bodies) with the
 * request's logger, and binds `method` to the logger handlers see.
 */
export function createRpcLoggingInterceptor(): Interceptor {
  const observe = createRpcObserver(({ code, durationMs, error }, req) => {
    const logger = req.contextValues.get(requestContext.logger);
    const fields = { status: code, durationMs: Math.round(durationMs * 10) / 10 };
    if (serverFaults.has(code)) logger.error({ ...fields, err: error }, "rpc failed");
    else if (error !== undefined && code !== "canceled") logger.info({ ...fields, error: describe(error) }, "rpc");
    else if (quietServices.has(req.service.typeName)) logger.debug(fields, "rpc");
    else logger.info(fields, "rpc");
  });
  return (next) => {
    const observed = observe(next);
    return (req) => {
      const method = methodLabel(req.service.typeName, req.method.name);
      const logger = req.contextValues.get(requestContext.logger).child({ method });
      req.contextValues.set(requestContext.logger, logger);
      return observed(req);
    };
  };
}

function describe(error: unknown): string {
  return error instanceof ConnectError ? error.rawMessage : "error";
}

/** Why a handler's signal was aborted, when that is worth telling the client: shutdown or deadline. */
const retryableAbortCodes: ReadonlySet<Code> = new Set([Code.Unavailable, Code.DeadlineExceeded]);

/**
 * Turns anything a handler throws that is not a ConnectError into a bare
 * `Internal` error, so messages of driver or runtime errors never reach the
 * client. A handler that failed because its call was aborted answers why:
 * `Unavailable` when the server shut down under it, `DeadlineExceeded` past
 * the call's deadline, `Canceled` otherwise (the client went away). The
 * original stays as `cause` for the logging interceptor, which runs inside
 * this one and sees it first.
 */
export function createErrorSanitizer(): Interceptor {
  const sanitize = (error: unknown, signal: AbortSignal): unknown => {
    if (error instanceof ConnectError) return error;
    if (signal.aborted) {
      const reason: unknown = signal.reason;
      if (reason instanceof ConnectError && retryableAbortCodes.has(reason.code)) {
        return new ConnectError(reason.rawMessage, reason.code, undefined, undefined, error);
      }
      return ConnectError.from(error, Code.Canceled);
    }
    return new ConnectError("internal error", Code.Internal, undefined, undefined, error);
  };
  return (next) => async (req) => {
    let res;
    try {
      res = await next(req);
    } catch (error) {
      throw sanitize(error, req.signal);
    }
    if (!res.stream) return res;
    const source = res.message;
    async function* sanitized() {
      try {
        yield* source;
      } catch (error) {
        throw sanitize(error, req.signal);
      }
    }
    return { ...res, message: sanitized() };
  };
}

/** How deep {@link createDataErrorInterceptor} looks through `cause` for the driver's error. */
const maxCauseDepth = 4;

/** The PostgreSQL data exception (SQLSTATE class 22) `error` is or wraps, if any. */
function dataExceptionOf(error: unknown): { code: string } | undefined {
  let current = error;
  for (let depth = 0; depth < maxCauseDepth && typeof current === "object" && current !== null; depth++) {
    if (current instanceof ConnectError) return undefined; // already an answer
    if (isDataException(current)) return current as { code: string };
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Turns a PostgreSQL data exception a handler let through (SQLSTATE class
 * 22: a NUL in text, text that is no number or uuid, a string longer than its
 * column...) into `InvalidArgument` instead of `Internal`: the request
 * carried a value the database cannot store, and retrying it cannot help.
 * The answer says so without SQL, names no column, and carries an ErrorInfo
 * (INVALID_TEXT for 22021, INVALID_VALUE otherwise; domain
 * `wallet.platform`). The driver's error is logged at warn level with the
 * request's logger (a validation the service lacks) and kept as `cause`.
 * Runs inside logging and metrics, so both see the InvalidArgument.
 */
export function createDataErrorInterceptor(): Interceptor {
  const map = (error: unknown, req: { contextValues: ContextValues }): unknown => {
    const data = dataExceptionOf(error);
    if (!data) return error;
    req.contextValues.get(requestContext.logger).warn({ err: error, sqlstate: data.code }, "database refused a request value");
    const reason = data.code === "22021" ? INVALID_TEXT_REASON : "INVALID_VALUE";
    return new ConnectError("a value in the request cannot be stored", Code.InvalidArgument, undefined, [errorInfoDetail(reason, PLATFORM_ERROR_DOMAIN)], error);
  };
  return (next) => async (req) => {
    let res;
    try {
      res = await next(req);
    } catch (error) {
      throw map(error, req);
    }
    if (!res.stream) return res;
    const source = res.message;
    async function* mapped() {
      try {
        yield* source;
      } catch (error) {
        throw map(error, req);
      }
    }
    return { ...res, message: mapped() };
  };
}
