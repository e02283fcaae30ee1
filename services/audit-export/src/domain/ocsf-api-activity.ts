/**
 * One backoffice audit entry as an OCSF API Activity event (class 6003,
 * category 6 "Application Activity", schema 1.3.0): who called (actor), which
 * RPC (api.operation), from where (src_endpoint), how it ended (status), when
 * (time, ms since the epoch). What OCSF has no attribute for (the chain
 * position and hashes, target, reason, outcome, error code, approval, the
 * entry's id) is kept under `unmapped`, so nothing of the entry is lost.
 */
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { AuditOutcome, type AuditEntry } from "#gen/wallet/backoffice/v1/audit_pb.js";
import { staffRoleName } from "#platform/authz/index.js";

/** The OCSF schema version the events follow. */
export const OCSF_VERSION = "1.3.0";

/** API Activity's class, its category, and the service whose calls are audited. */
const CLASS_UID = 6003;
const CATEGORY_UID = 6;
const AUDITED_SERVICE = "wallet.backoffice.v1.BackofficeService";

/** OCSF API Activity activity ids. */
export const ActivityId = { Unknown: 0, Create: 1, Read: 2, Update: 3, Delete: 4, Other: 99 } as const;
export type ActivityName = keyof typeof ActivityId;

/**
 * RPC name prefixes and the activity they are: reads look, creations make a
 * new record (a refund, a staff member, a test notification), updates change
 * one (lock, freeze, adjust, decide an approval), deletions take something
 * away (sessions, a role). Anything else (replaying dead letters) is Other.
 */
const ACTIVITY_BY_VERB: ReadonlyArray<readonly [ActivityName, readonly string[]]> = [
  ["Read", ["Get", "List", "Search", "Verify"]],
  ["Create", ["Create", "Issue", "Send", "Add"]],
  ["Update", ["Update", "Lock", "Unlock", "Freeze", "Unfreeze", "Adjust", "Acknowledge", "Resolve", "Grant", "Reset", "Approve", "Reject", "Cancel"]],
  ["Delete", ["Delete", "Remove", "Revoke"]],
];

/** The activity of an RPC, from the verb its name starts with (`ListStaff` → Read). */
export function activityOf(action: string): ActivityName {
  const verb = /^[A-Z][a-z]*/.exec(action)?.[0] ?? "";
  for (const [activity, verbs] of ACTIVITY_BY_VERB) if (verbs.includes(verb)) return activity;
  return action === "" ? "Unknown" : "Other";
}

/** OCSF severity ids: a success is informational, a failure low, a refusal medium (worth a look in a SIEM). */
const SEVERITY: Record<AuditOutcome, { id: number; name: string }> = {
  [AuditOutcome.UNSPECIFIED]: { id: 0, name: "Unknown" },
  [AuditOutcome.SUCCEEDED]: { id: 1, name: "Informational" },
  [AuditOutcome.FAILED]: { id: 2, name: "Low" },
  [AuditOutcome.DENIED]: { id: 3, name: "Medium" },
};

/** The outcome as the audit log writes it. */
const OUTCOME_NAME: Record<AuditOutcome, string> = {
  [AuditOutcome.UNSPECIFIED]: "UNSPECIFIED",
  [AuditOutcome.SUCCEEDED]: "SUCCEEDED",
  [AuditOutcome.DENIED]: "DENIED",
  [AuditOutcome.FAILED]: "FAILED",
};

/** The OCSF status of an outcome: 1 Success, 2 Failure (denied or failed), 0 Unknown. */
function statusOf(outcome: AuditOutcome): { status_id: number; status: string } {
  if (outcome === AuditOutcome.SUCCEEDED) return { status_id: 1, status: "Success" };
  if (outcome === AuditOutcome.DENIED || outcome === AuditOutcome.FAILED) return { status_id: 2, status: "Failure" };
  return { status_id: 0, status: "Unknown" };
}

/** An OCSF API Activity event as the exporter sends it (JSON-ready). */
export type OcsfApiActivity = Readonly<Record<string, unknown>>;

/** Maps one audit entry to its OCSF API Activity event; pure and deterministic (a resent batch carries the same events). */
export function toOcsfApiActivity(entry: AuditEntry): OcsfApiActivity {
  const activity = activityOf(entry.action);
  const activityId = ActivityId[activity];
  const severity = SEVERITY[entry.outcome] ?? SEVERITY[AuditOutcome.UNSPECIFIED];
  const outcome = OUTCOME_NAME[entry.outcome] ?? "UNSPECIFIED";
  const roles = entry.actorRoles.map((role) => staffRoleName(role) ?? `role_${role}`);
  return {
    class_uid: CLASS_UID,
    class_name: "API Activity",
    category_uid: CATEGORY_UID,
    category_name: "Application Activity",
    activity_id: activityId,
    activity_name: activity,
    type_uid: CLASS_UID * 100 + activityId,
    type_name: `API Activity: ${activity}`,
    time: entry.occurredAt ? timestampMs(entry.occurredAt) : 0,
    severity_id: severity.id,
    severity: severity.name,
    ...statusOf(entry.outcome),
    ...(entry.errorCode ? { status_code: entry.errorCode } : {}),
    message: `${entry.action} ${outcome.toLowerCase()}`,
    actor: {
      user: {
        uid: entry.actorId,
        type: "User",
        groups: roles.map((name) => ({ name, type: "role" })),
      },
    },
    api: {
      operation: entry.action,
      service: { name: AUDITED_SERVICE },
      request: { uid: entry.requestId },
      ...(entry.errorCode ? { response: { error: entry.errorCode } } : {}),
    },
    ...(entry.clientIp ? { src_endpoint: { ip: entry.clientIp } } : {}),
    ...(entry.targetType || entry.targetId ? { resources: [{ type: entry.targetType, uid: entry.targetId }] } : {}),
    metadata: {
      version: OCSF_VERSION,
      uid: entry.id,
      log_name: "backoffice audit log",
      sequence: Number(entry.position),
      product: { name: "Wallet backoffice", vendor_name: "Wallet mesh", feature: { name: "audit log" } },
    },
    unmapped: {
      audit_id: entry.id,
      position: Number(entry.position),
      previous_hash: entry.previousHash,
      entry_hash: entry.entryHash,
      target_type: entry.targetType,
      target_id: entry.targetId,
      reason: entry.reason,
      outcome,
      error_code: entry.errorCode,
      approval_id: entry.approvalId,
    },
  };
}
