/**
 * The end-user headers a gRPC call of the fuzzer carries, as the mesh's own
 * callers forward them, so calls get past the services' user checks and
 * reach their handlers:
 *  - the edge (gateway) signs the verified token's subject in
 *    `x-internal-subject` and forwards the client's bearer: the staff
 *    member's to the backoffice, the customer's to the BFF and identity
 *    (services/gateway/src/protections/upstream-headers.ts);
 *  - the BFF forwards its customer's subject, the bearer only to identity
 *    (services/mobile-bff/src/transport/request-context.ts);
 *  - the backoffice forwards the acting staff id as the subject, no bearer
 *    (services/backoffice/src/transport/upstream-call.ts).
 * One call in thirteen is sent otherwise: with no user, an unsigned token,
 * the other user's subject, or the other user altogether.
 */
import fc from "fast-check";
import { InternalAuthHeader } from "../../platform/internal-auth/index.js";
import { FUZZ_CLIENT_IP } from "./client-address.js";

/** How a call's user headers depart from what its real caller sends. */
export type CredentialVariant = "as-forwarded" | "no-user" | "unsigned-token" | "other-subject" | "other-user";

export const credentialVariants: fc.Arbitrary<CredentialVariant> = fc.oneof(
  { weight: 12, arbitrary: fc.constant("as-forwarded" as const) },
  { weight: 1, arbitrary: fc.constantFrom("no-user" as const, "unsigned-token" as const, "other-subject" as const, "other-user" as const) },
);

/** A user as a call forwards them: subject and current access token. */
export interface ForwardedUser {
  readonly subject: string;
  readonly token: string;
}

export type UserKind = "customer" | "staff";

/** Which user a call signed as `caller` to `service` acts for; undefined for callers that forward no user (the ledger, payments). */
export function actingUser(service: string, caller: string): UserKind | undefined {
  if (caller === "gateway") return service === "wallet.backoffice.v1.BackofficeService" ? "staff" : "customer";
  if (caller === "mobile-bff") return "customer";
  if (caller === "backoffice") return "staff";
  return undefined;
}

/** An unsigned (`alg: none`) token claiming `subject` and every staff role: what a forger would forward. */
export function unsignedToken(subject: string): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  return `${part({ alg: "none", typ: "JWT" })}.${part({ sub: subject, roles: ["admin", "support", "risk_analyst", "finance", "approver"], amr: ["pwd", "otp"], iat: now, auth_time: now, exp: now + 600 })}.`;
}

/** The headers of one call, and whose token (if anyone's) it carries, so a session it finds ended can be renewed. */
export interface ForwardedHeaders {
  readonly headers: Record<string, string>;
  readonly tokenOf?: UserKind;
}

/** The user headers of a call signed as `caller` to `service`, departing from the real caller's as `variant` says. */
export function forwardedHeaders(service: string, caller: string, variant: CredentialVariant, users: Readonly<Record<UserKind, ForwardedUser>>): ForwardedHeaders {
  const headers: Record<string, string> = {};
  if (caller === "gateway" || caller === "mobile-bff") headers["x-client-user-agent"] = "WalletApp/3.14 (fuzz)";
  if (caller === "gateway" || caller === "mobile-bff" || caller === "backoffice") headers["x-client-ip"] = FUZZ_CLIENT_IP;
  const kind = actingUser(service, caller);
  if (!kind || variant === "no-user") return { headers };
  const other: UserKind = kind === "staff" ? "customer" : "staff";
  const user = users[variant === "other-user" ? other : kind];
  headers[InternalAuthHeader.subject] = variant === "other-subject" ? users[other].subject : user.subject;
  const bearer = caller === "gateway" || (caller === "mobile-bff" && service === "wallet.identity.v1.IdentityService");
  if (variant === "unsigned-token") {
    headers.authorization = `Bearer ${unsignedToken(user.subject)}`;
    return { headers };
  }
  if (!bearer) return { headers };
  headers.authorization = `Bearer ${user.token}`;
  return { headers, tokenOf: variant === "other-user" ? other : kind };
}
