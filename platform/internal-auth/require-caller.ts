import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { internalCallerKey, type InternalCaller } from "./context-values.js";

/**
 * The verified caller of a procedure only some services may call (staff
 * operations reached through backoffice, say); refuses anyone else with
 * PermissionDenied. A request without a verified caller is refused too:
 * such a procedure fails closed when internal auth is missing. The caller
 * learns which services are allowed, never why its own identity fell short.
 */
export function requireCaller(ctx: HandlerContext, allowed: readonly string[]): InternalCaller {
  const caller = ctx.values.get(internalCallerKey);
  if (!caller || !allowed.includes(caller.callerId)) {
    throw new ConnectError(`${ctx.method.name} is open only to ${allowed.join(", ")}`, Code.PermissionDenied);
  }
  return caller;
}
