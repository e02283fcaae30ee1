import { getOption, hasOption, type DescMethod } from "@bufbuild/protobuf";
import { access, ApprovalPolicy } from "../../gen/wallet/authz/v1/authz_pb.js";
import { Role } from "../../gen/wallet/identity/v1/user_pb.js";
import type { StaffRole } from "../access-tokens/claims.js";

/**
 * A staff role as the access token's `roles` claim spells it. "approver" is
 * named here as well until the claims module lists it; then this is StaffRole.
 */
export type StaffRoleName = StaffRole | "approver";

/** Whether an action waits for a second staff member's approval (four-eyes). */
export type ApprovalRequirement = "none" | "always" | "above-threshold";

/** An RPC's `wallet.authz.v1.access` option, in the names staff tokens and documents use. */
export interface StaffAccessPolicy {
  /** Roles any one of which allows the call, in the contract's order. Empty: nobody may call. */
  readonly allowedRoles: StaffRoleName[];
  /** Whether the second factor must be recent (RFC 9470 step-up), not only present. */
  readonly recentSecondFactor: boolean;
  /** Whether the action waits for approval: never, always, or above the approval threshold. */
  readonly approval: ApprovalRequirement;
}

/** The claim name of every assignable role (ROLE_UNSPECIFIED is never assigned). */
export const STAFF_ROLE_NAMES: Readonly<Record<Exclude<Role, Role.UNSPECIFIED>, StaffRoleName>> = Object.freeze({
  [Role.ADMIN]: "admin",
  [Role.SUPPORT]: "support",
  [Role.RISK_ANALYST]: "risk_analyst",
  [Role.FINANCE]: "finance",
  [Role.APPROVER]: "approver",
});

/** The document name of every approval policy. */
const APPROVAL_NAMES: Readonly<Record<ApprovalPolicy, ApprovalRequirement>> = {
  [ApprovalPolicy.UNSPECIFIED]: "none",
  [ApprovalPolicy.ALWAYS]: "always",
  [ApprovalPolicy.ABOVE_THRESHOLD]: "above-threshold",
};

/**
 * The claim name of `role` (`Role.RISK_ANALYST` → "risk_analyst");
 * undefined for ROLE_UNSPECIFIED and numbers the contract does not define.
 */
export function staffRoleName(role: Role): StaffRoleName | undefined {
  return Object.hasOwn(STAFF_ROLE_NAMES, role) ? STAFF_ROLE_NAMES[role as keyof typeof STAFF_ROLE_NAMES] : undefined;
}

/**
 * The access policy `method` declares with the `wallet.authz.v1.access`
 * option, or undefined when it declares none (deny by default: such an RPC
 * is refused for everyone). Roles come in the contract's order without
 * repeats; ROLE_UNSPECIFIED and undefined role numbers allow nobody and are
 * left out, so they can only narrow the list.
 *
 * @throws Error naming the RPC when its approval policy is a number the contract does not define.
 */
export function accessPolicyOf(method: DescMethod): StaffAccessPolicy | undefined {
  if (!hasOption(method, access)) return undefined;
  const option = getOption(method, access);
  const allowedRoles: StaffRoleName[] = [];
  for (const role of option.allowedRoles) {
    const name = staffRoleName(role);
    if (name !== undefined && !allowedRoles.includes(name)) allowedRoles.push(name);
  }
  const approval = Object.hasOwn(APPROVAL_NAMES, option.approval) ? APPROVAL_NAMES[option.approval] : undefined;
  if (approval === undefined) {
    throw new Error(`${method.parent.typeName}.${method.name}: unknown approval policy ${option.approval} in its wallet.authz.v1.access option`);
  }
  return { allowedRoles, recentSecondFactor: option.recentSecondFactor, approval };
}
