/** Which calls change state (and so fail closed when the revoked-session list cannot answer), by HTTP method and by RPC binding. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { BackofficeService } from "#gen/wallet/backoffice/v1/backoffice_service_pb.js";
import { MobileBffService } from "#gen/wallet/bff/v1/mobile_bff_service_pb.js";
import { IdentityService } from "#gen/wallet/identity/v1/identity_service_pb.js";
import { changesState, isStateChangingHttpMethod } from "../index.js";

test("every HTTP method but GET and HEAD changes state", () => {
  for (const method of ["POST", "PUT", "PATCH", "DELETE", "post"]) assert.equal(isStateChangingHttpMethod(method), true, method);
  for (const method of ["GET", "HEAD", "get"]) assert.equal(isStateChangingHttpMethod(method), false, method);
});

test("an RPC bound to POST, PATCH or DELETE changes state, money-moving or not", () => {
  const writes = [
    MobileBffService.method.transfer,
    MobileBffService.method.openAccount,
    MobileBffService.method.revokeDevice,
    MobileBffService.method.revokeSession,
    MobileBffService.method.updateNotificationPreferences,
    IdentityService.method.changePassword,
    IdentityService.method.logout,
    BackofficeService.method.lockUser,
    BackofficeService.method.freezeAccount,
    BackofficeService.method.resetUserMfa,
    BackofficeService.method.grantRole,
  ];
  for (const method of writes) assert.equal(changesState(method), true, method.name);
});

test("an RPC bound to GET is a read", () => {
  for (const method of [MobileBffService.method.getBalance, MobileBffService.method.listDevices, MobileBffService.method.bootstrap, BackofficeService.method.getUser]) {
    assert.equal(changesState(method), false, method.name);
  }
});

test("an RPC without an HTTP binding counts as changing state", () => {
  assert.equal(changesState(IdentityService.method.lockUser), true);
});
