export { accessPolicyOf, staffRoleName, STAFF_ROLE_NAMES, type ApprovalRequirement, type StaffAccessPolicy, type StaffRoleName } from "./access-policy.js";
