import type { DescMethod } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import { hasRecentSecondFactor, type AccessTokenClaims } from "#platform/access-tokens/index.js";
import { ErrorInfoSchema } from "#gen/google/rpc/error_details_pb.js";
import type { ProtectionsSettings } from "./config.js";
import { EdgeProblem } from "./problem.js";
import { rpcFullName } from "./public-routes.js";

/** Step-up settings: the transfer threshold and how recent the second factor must be. */
export type StepUpSettings = ProtectionsSettings["stepUp"];

/** RPCs that always need a recent second factor (identity requires it too). */
export const STEP_UP_RPCS: ReadonlySet<string> = new Set([
  "wallet.identity.v1.IdentityService.DisableTotp",
  "wallet.identity.v1.IdentityService.RegenerateRecoveryCodes",
  "wallet.identity.v1.IdentityService.TrustDevice",
]);

/**
 * RPCs that need a recent second factor when the token shows the user has
 * one (`amr` includes "otp"): a user without TOTP cannot step up, and
 * identity asks these of TOTP users only (ChangePassword) or asks a recent
 * login instead (enrolment). Identity's own STEP_UP_REQUIRED still applies
 * and is mapped to the same challenge by {@link stepUpProblemFromError}.
 */
export const STEP_UP_IF_ENROLLED_RPCS: ReadonlySet<string> = new Set([
  "wallet.identity.v1.IdentityService.ChangePassword",
  "wallet.identity.v1.IdentityService.BeginTotpEnrollment",
  "wallet.identity.v1.IdentityService.ConfirmTotpEnrollment",
]);

/** RPCs whose `amount` (wallet.common.v1.Money) above the threshold needs a recent second factor. */
export const STEP_UP_AMOUNT_RPCS: ReadonlySet<string> = new Set(["wallet.bff.v1.MobileBffService.Transfer"]);

/** The minor-unit amount of `message.amount` (a protobuf-es message or its JSON), else undefined. */
function amountMinorOf(message: object): bigint | undefined {
  const amount = (message as { amount?: Record<string, unknown> }).amount;
  const value = amount?.amountMinor ?? amount?.amount_minor;
  if (typeof value === "bigint") return value;
  if ((typeof value === "string" && /^-?\d+$/.test(value)) || (typeof value === "number" && Number.isSafeInteger(value))) return BigInt(value);
  return undefined;
}

/** The RFC 9470 challenge: 401 with `WWW-Authenticate: Bearer error="insufficient_user_authentication"`. */
export function stepUpProblem(maxAgeSec: number, description = "a recent second factor is required for this action"): EdgeProblem {
  return new EdgeProblem(
    401,
    "Unauthorized",
    "STEP_UP_REQUIRED",
    `${description}: step up (identity StepUp) and retry`,
    {
      "www-authenticate": `Bearer error="insufficient_user_authentication", error_description="${description}", max_age=${maxAgeSec}`,
    },
  );
}

/**
 * The step-up challenge `method` called with `message` by the holder of
 * `claims` needs, or undefined when it may proceed. The core calls it for
 * every authenticated RPC after building the request message and before the
 * upstream call; a returned problem is sent as is.
 */
export function stepUpChallenge(
  method: DescMethod,
  message: object,
  claims: Pick<AccessTokenClaims, "amr" | "auth_time"> | undefined,
  settings: StepUpSettings,
  now: Date = new Date(),
): EdgeProblem | undefined {
  if (!claims) return undefined;
  const name = rpcFullName(method);
  let needed = STEP_UP_RPCS.has(name) || (STEP_UP_IF_ENROLLED_RPCS.has(name) && claims.amr.includes("otp"));
  let description: string | undefined;
  if (!needed && STEP_UP_AMOUNT_RPCS.has(name)) {
    const amount = amountMinorOf(message);
    needed = amount !== undefined && amount > settings.amountMinor;
    description = "a recent second factor is required for transfers above the step-up amount";
  }
  if (!needed || hasRecentSecondFactor(claims, settings.maxAgeSec, now)) return undefined;
  return stepUpProblem(settings.maxAgeSec, description);
}

/** The `google.rpc.ErrorInfo` of an upstream error, if it carries one. */
function upstreamErrorInfo(err: unknown) {
  return err instanceof ConnectError ? err.findDetails(ErrorInfoSchema)[0] : undefined;
}

/** The `google.rpc.ErrorInfo` reason of an upstream error, if it carries one. */
export function upstreamErrorReason(err: unknown): string | undefined {
  return upstreamErrorInfo(err)?.reason;
}

/**
 * The same challenge for an upstream refusal with reason STEP_UP_REQUIRED
 * (identity's Unauthenticated, or the ledger's PermissionDenied when risk
 * asked for a step-up, through the BFF), else undefined: the core's
 * `toProblem` should try it first. The upstream's `max_age_seconds` wins
 * over the edge's own setting: risk knows how fresh it wants the factor.
 */
export function stepUpProblemFromError(err: unknown, settings: Pick<StepUpSettings, "maxAgeSec">): EdgeProblem | undefined {
  const info = upstreamErrorInfo(err);
  if (info?.reason !== "STEP_UP_REQUIRED") return undefined;
  const asked = Number(info.metadata.max_age_seconds);
  return stepUpProblem(Number.isSafeInteger(asked) && asked > 0 ? asked : settings.maxAgeSec);
}
