/**
 * The gate every backoffice RPC passes: verify the staff caller, decide
 * access from the RPC's `wallet.authz.v1.access` option (deny by default),
 * make sure the audit log can be written, run the handler, and write the
 * call's audit entry (allowed or denied, succeeded or failed) before the
 * answer leaves. When the entry cannot be written the caller gets
 * Unavailable (AUDIT_UNAVAILABLE).
 *
 * A wrapper of each method rather than a Connect interceptor: a router's
 * per-service interceptors replace the server's (internal auth, call graph),
 * and the gate must run after those.
 */
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, createContextKey, type HandlerContext } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import { sql } from "kysely";
import { accessPolicyOf } from "#platform/authz/index.js";
import { errorInfoOf } from "#platform/clients/index.js";
import { callAuditKey, record, type CallAudit } from "../audit.service.js";
import type { BackofficeDeps } from "../context.js";
import { decideAccess } from "../domain/access.js";
import { auditReasonOf, auditTargetOf } from "../domain/audit-targets.js";
import { auditUnavailable, BACKOFFICE_ERROR_DOMAIN, backofficeRefusal } from "./refusals.js";
import { callFacts, verifyStaff, type StaffCaller } from "./staff-caller.js";

/** Context key of the verified staff caller, for handlers. */
export const staffCallerKey = createContextKey<StaffCaller | undefined>(undefined, { description: "verified staff caller" });

/** The verified staff caller of a call behind the gate. */
export function staffOf(ctx: HandlerContext): StaffCaller {
  const staff = ctx.values.get(staffCallerKey);
  if (!staff) throw new Error("no staff caller on this call: is the handler behind the staff gate?");
  return staff;
}

/** Refusals that are denials (who may do what), as opposed to failures. */
const DENIAL_CODES = new Set([Code.Unauthenticated, Code.PermissionDenied]);

type Handler = (req: never, ctx: HandlerContext) => Promise<unknown>;

/**
 * `implementation` with every method of `service` behind the gate. Methods
 * the implementation lacks answer Unimplemented, still audited.
 */
export function gateService<S extends DescService, I extends object>(deps: BackofficeDeps, service: S, implementation: I): I {
  const gated: Record<string, Handler> = {};
  for (const method of service.methods) {
    const policy = accessPolicyOf(method);
    const handler = (implementation as Record<string, Handler | undefined>)[method.localName];
    gated[method.localName] = (req, ctx) => passGate(deps, method, policy, req as Record<string, unknown>, ctx, handler);
  }
  return gated as I;
}

async function passGate(
  deps: BackofficeDeps,
  method: DescMethod,
  policy: ReturnType<typeof accessPolicyOf>,
  req: Record<string, unknown>,
  ctx: HandlerContext,
  handler: Handler | undefined,
): Promise<unknown> {
  const facts = callFacts(ctx);
  const target = auditTargetOf(method.name, req);
  const audit: CallAudit = {
    action: method.name,
    actorId: facts.subject,
    actorRoles: [],
    targetType: target.type,
    targetId: target.id,
    reason: auditReasonOf(req),
    requestId: facts.requestId,
    clientIp: facts.clientIp,
    approvalId: "",
    recorded: false,
  };
  ctx.values.set(callAuditKey, audit);
  let answer: unknown;
  try {
    const staff = await verifyStaff(deps, ctx, facts);
    audit.actorRoles = staff.roles;
    const decision = decideAccess(policy, staff, deps.clock(), deps.settings.stepUpMaxAgeSec);
    if (!decision.allowed) throw backofficeRefusal(decision.reason, decision.message, Code.PermissionDenied, { ...decision.metadata });
    ctx.values.set(staffCallerKey, staff);
    await assertAuditWritable(deps);
    if (!handler) throw new ConnectError(`${method.name} is not implemented`, Code.Unimplemented);
    answer = await handler(req as never, ctx);
  } catch (err) {
    const error = ConnectError.from(err);
    if (isAuditUnavailable(error)) throw error;
    if (!audit.recorded) {
      try {
        await record(deps, audit, DENIAL_CODES.has(error.code) ? "DENIED" : "FAILED", codeToString(error.code));
      } catch (auditErr) {
        deps.logger.error({ err: auditErr, action: method.name }, "audit entry could not be written for a refused call");
        throw auditUnavailable(auditErr);
      }
    }
    throw err;
  }
  if (!audit.recorded) {
    try {
      await record(deps, audit, "SUCCEEDED");
    } catch (auditErr) {
      deps.logger.error({ err: auditErr, action: method.name }, "audit entry could not be written after the call succeeded");
      throw auditUnavailable(auditErr);
    }
  }
  return answer;
}

/** Unavailable before anything is done when the audit database does not answer. */
async function assertAuditWritable(deps: Pick<BackofficeDeps, "db" | "logger">): Promise<void> {
  try {
    await sql`SELECT 1`.execute(deps.db);
  } catch (err) {
    deps.logger.error({ err }, "audit log unavailable: call refused before acting");
    throw auditUnavailable(err);
  }
}

/** The gate's own refusal for an unwritable log: answered as it is, with no entry attempted again. */
function isAuditUnavailable(error: ConnectError): boolean {
  const info = errorInfoOf(error);
  return info?.domain === BACKOFFICE_ERROR_DOMAIN && info.reason === "AUDIT_UNAVAILABLE";
}
