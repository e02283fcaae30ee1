import type { DescMethod } from "@bufbuild/protobuf";
import { accessPolicyOf, type StaffAccessPolicy } from "#platform/authz/index.js";

/** What an operation shows of its RPC's `wallet.authz.v1.access` option. */
export interface OperationAccess {
  /** `x-required-roles`, and `x-recent-second-factor` / `x-approval` when set. */
  readonly extensions: Record<string, unknown>;
  /** The policy in words, appended to the operation's description. */
  readonly sentence: string;
}

/** How each approval requirement reads in a description. */
const approvalWords: Readonly<Record<Exclude<StaffAccessPolicy["approval"], "none">, string>> = {
  always: "Waits for a second staff member's approval.",
  "above-threshold": "Above the approval threshold, waits for a second staff member's approval.",
};

/**
 * The OpenAPI extensions and description sentence of `method`'s access
 * policy (which staff roles may call it, whether it needs a recent second
 * factor, whether it waits for approval); undefined when the RPC declares
 * none. The backoffice enforces the policy; the edge only documents it.
 */
export function operationAccessOf(method: DescMethod): OperationAccess | undefined {
  const policy = accessPolicyOf(method);
  if (!policy) return undefined;
  const extensions: Record<string, unknown> = { "x-required-roles": policy.allowedRoles };
  const words = [policy.allowedRoles.length > 0 ? `Roles: ${policy.allowedRoles.join(", ")}.` : "Roles: none (refused for everyone)."];
  if (policy.recentSecondFactor) {
    extensions["x-recent-second-factor"] = true;
    words.push("Needs a recent second factor (step-up).");
  }
  if (policy.approval !== "none") {
    extensions["x-approval"] = policy.approval;
    words.push(approvalWords[policy.approval]);
  }
  return { extensions, sentence: words.join(" ") };
}
