/** Options of every upstream call the backoffice makes for a staff member. */
import type { CallOptions, HandlerContext } from "@connectrpc/connect";
import { InternalAuthHeader } from "#platform/internal-auth/index.js";
import type { BackofficeDeps } from "../context.js";
import { CLIENT_IP_HEADER } from "./staff-caller.js";

/**
 * The acting staff id as the signed subject (identity, the ledger, risk and
 * notification record who acted from it), the client's IP, the incoming
 * call's cancellation, and a deadline no later than the incoming one.
 */
export function actingAs(deps: Pick<BackofficeDeps, "settings">, ctx: HandlerContext, staffId: string): CallOptions {
  const headers: Record<string, string> = { [InternalAuthHeader.subject]: staffId };
  const clientIp = ctx.requestHeader.get(CLIENT_IP_HEADER);
  if (clientIp) headers[CLIENT_IP_HEADER] = clientIp;
  const left = ctx.timeoutMs();
  const limit = deps.settings.upstreamTimeoutMs;
  return { headers, timeoutMs: left === undefined ? limit : Math.max(1, Math.min(left, limit)), signal: ctx.signal };
}
