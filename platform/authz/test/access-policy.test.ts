import assert from "node:assert/strict";
import { test } from "node:test";
import { ApprovalPolicy } from "#gen/wallet/authz/v1/authz_pb.js";
import { BackofficeService } from "#gen/wallet/backoffice/v1/backoffice_service_pb.js";
import { Role, RoleSchema } from "#gen/wallet/identity/v1/user_pb.js";
import { accessPolicyOf, staffRoleName } from "../index.js";
import { createAccessTestService } from "../testing/index.js";

test("a backoffice RPC's option reads as claim role names in the contract's order with its step-up and approval", () => {
  assert.deepEqual(accessPolicyOf(BackofficeService.method.unfreezeAccount), {
    allowedRoles: ["risk_analyst", "admin"],
    recentSecondFactor: true,
    approval: "always",
  });
});

test("an approval above the threshold reads as above-threshold", () => {
  assert.equal(accessPolicyOf(BackofficeService.method.issueRefund)?.approval, "above-threshold");
});

test("an RPC without the option has no policy", () => {
  const service = createAccessTestService({ Open: undefined });
  assert.equal(accessPolicyOf(service.methods[0]!), undefined);
});

test("an option without roles allows nobody, with no step-up and no approval", () => {
  const service = createAccessTestService({ Closed: {} });
  assert.deepEqual(accessPolicyOf(service.methods[0]!), { allowedRoles: [], recentSecondFactor: false, approval: "none" });
});

test("unspecified, undefined and repeated roles are left out of the allowed roles", () => {
  const service = createAccessTestService({ Odd: { allowedRoles: [Role.UNSPECIFIED, 99 as Role, Role.FINANCE, Role.FINANCE, Role.APPROVER] } });
  assert.deepEqual(accessPolicyOf(service.methods[0]!)?.allowedRoles, ["finance", "approver"]);
});

test("an approval policy the contract does not define is refused naming the RPC", () => {
  const service = createAccessTestService({ Strange: { allowedRoles: [Role.ADMIN], approval: 7 as ApprovalPolicy } });
  assert.throws(() => accessPolicyOf(service.methods[0]!), /AccessTestService\.Strange: unknown approval policy 7/);
});

test("every role the contract defines has its claim name, and ROLE_UNSPECIFIED none", () => {
  for (const value of RoleSchema.values) {
    const expected = value.number === Role.UNSPECIFIED ? undefined : value.name.replace(/^ROLE_/, "").toLowerCase();
    assert.equal(staffRoleName(value.number), expected, value.name);
  }
});
