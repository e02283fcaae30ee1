import assert from "node:assert/strict";
import { test } from "node:test";
import { BackofficeService } from "#gen/wallet/backoffice/v1/backoffice_service_pb.js";
import { AuditOutcome } from "#gen/wallet/backoffice/v1/audit_pb.js";
import { activityOf, toOcsfApiActivity } from "../src/domain/ocsf-api-activity.js";
import { chainedEntries } from "./support/audit-entries.js";

test("an audit entry becomes an OCSF API Activity event with actor, operation, source, status and time", () => {
  const [entry] = chainedEntries(1);
  const event = toOcsfApiActivity(entry!) as Record<string, any>;
  assert.equal(event.class_uid, 6003);
  assert.equal(event.category_uid, 6);
  assert.equal(event.activity_id, 3);
  assert.equal(event.activity_name, "Update");
  assert.equal(event.type_uid, 600303);
  assert.equal(event.time, Date.UTC(2025, 0, 2, 3, 4, 5, 678));
  assert.deepEqual(event.actor, { user: { uid: "staff-1", type: "User", groups: [{ name: "support", type: "role" }, { name: "admin", type: "role" }] } });
  assert.equal(event.api.operation, "FreezeAccount");
  assert.equal(event.api.request.uid, "req-1");
  assert.deepEqual(event.src_endpoint, { ip: "203.0.113.7" });
  assert.equal(event.status, "Success");
  assert.equal(event.status_id, 1);
  assert.equal(event.severity_id, 1);
  assert.equal(event.metadata.version, "1.3.0");
  assert.equal(event.metadata.product.name, "Wallet backoffice");
  assert.deepEqual(event.resources, [{ type: "account", uid: "acct-1" }]);
});

test("what OCSF has no attribute for is kept under unmapped", () => {
  const [entry] = chainedEntries(1);
  const event = toOcsfApiActivity({ ...entry!, approvalId: "appr-1" }) as Record<string, any>;
  assert.deepEqual(event.unmapped, {
    audit_id: entry!.id,
    position: 1,
    previous_hash: "0".repeat(64),
    entry_hash: entry!.entryHash,
    target_type: "account",
    target_id: "acct-1",
    reason: "chargeback pattern",
    outcome: "SUCCEEDED",
    error_code: "",
    approval_id: "appr-1",
  });
});

test("a denied call is a Failure of medium severity carrying its error code; a failed one is of low severity", () => {
  const [entry] = chainedEntries(1);
  const denied = toOcsfApiActivity({ ...entry!, outcome: AuditOutcome.DENIED, errorCode: "permission_denied", clientIp: "" }) as Record<string, any>;
  assert.equal(denied.status, "Failure");
  assert.equal(denied.status_id, 2);
  assert.equal(denied.status_code, "permission_denied");
  assert.equal(denied.severity_id, 3);
  assert.equal(denied.api.response.error, "permission_denied");
  assert.equal(denied.unmapped.outcome, "DENIED");
  assert.equal(denied.src_endpoint, undefined);
  const failed = toOcsfApiActivity({ ...entry!, outcome: AuditOutcome.FAILED, errorCode: "not_found" }) as Record<string, any>;
  assert.equal(failed.status_id, 2);
  assert.equal(failed.severity_id, 2);
});

test("reads, creations, updates and deletions are told apart by the RPC's verb", () => {
  assert.equal(activityOf("ListStaff"), "Read");
  assert.equal(activityOf("GetUser"), "Read");
  assert.equal(activityOf("SearchUsers"), "Read");
  assert.equal(activityOf("VerifyLedgerIntegrity"), "Read");
  assert.equal(activityOf("CreateStaff"), "Create");
  assert.equal(activityOf("IssueRefund"), "Create");
  assert.equal(activityOf("FreezeAccount"), "Update");
  assert.equal(activityOf("ApproveApprovalRequest"), "Update");
  assert.equal(activityOf("RevokeUserSessions"), "Delete");
  assert.equal(activityOf("ReplayNotificationDeadLetters"), "Other");
  assert.equal(activityOf(""), "Unknown");
});

test("every BackofficeService RPC maps to Create, Read, Update or Delete, except replaying dead letters", () => {
  const others = BackofficeService.methods.filter((m) => activityOf(m.name) === "Other" || activityOf(m.name) === "Unknown").map((m) => m.name);
  assert.deepEqual(others, ["ReplayNotificationDeadLetters"]);
});

test("the mapping is deterministic: the same entry always gives the same event", () => {
  const [entry] = chainedEntries(1);
  assert.equal(JSON.stringify(toOcsfApiActivity(entry!)), JSON.stringify(toOcsfApiActivity(entry!)));
});
