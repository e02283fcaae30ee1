import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { internalCallerKey } from "./context-values.js";
import { defaultExemptPrefixes, isExempt } from "./headers.js";

/**
 * Which callers may call which RPCs: by service type name
 * (`wallet.ledger.v1.LedgerService`), then method name (`TopUp`), the caller
 * ids allowed. A service or method that is not listed has no caller.
 */
export type CallGraph = Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;

/** The callers `graph` allows for one RPC; none for an RPC it does not list. */
export function callersOf(graph: CallGraph, serviceTypeName: string, methodName: string): readonly string[] {
  return graph[serviceTypeName]?.[methodName] ?? [];
}

/** Options for {@link createCallGraphInterceptor}. */
export interface CallGraphInterceptorOptions {
  readonly graph: CallGraph;
  /** Service type-name prefixes open to anyone; default health and reflection. */
  readonly exempt?: readonly string[];
}

/**
 * Server interceptor refusing, per method, every caller the call graph does
 * not allow, with PermissionDenied naming the callers that are (`TopUp is
 * open only to payments`), before any handler runs. Put it after internal
 * authentication, which establishes the caller: a request without a verified
 * caller is refused too, so a server missing internal auth fails closed.
 * Health and reflection stay open.
 */
export function createCallGraphInterceptor(options: CallGraphInterceptorOptions): Interceptor {
  const exempt = options.exempt ?? defaultExemptPrefixes;
  return (next) => async (req) => {
    if (isExempt(req.service.typeName, exempt)) return next(req);
    const allowed = callersOf(options.graph, req.service.typeName, req.method.name);
    const caller = req.contextValues.get(internalCallerKey);
    if (!caller || !allowed.includes(caller.callerId)) {
      const message = allowed.length > 0 ? `${req.method.name} is open only to ${allowed.join(", ")}` : `${req.method.name} is open to no caller`;
      throw new ConnectError(message, Code.PermissionDenied);
    }
    return next(req);
  };
}
