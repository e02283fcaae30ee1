/**
 * What an audit entry is about, read from the request: the kind and id of
 * the object acted on, and the reason the staff member gave.
 */

/** RPCs whose `user_id` is a staff user. */
const STAFF_ACTIONS = new Set(["CreateStaff", "GrantRole", "RevokeRole", "ListStaff"]);

/** Request fields naming the object acted on, by target type, most specific first. */
const TARGET_FIELDS: readonly (readonly [field: string, type: string])[] = [
  ["approvalId", "approval_request"],
  ["alertId", "risk_alert"],
  ["transactionId", "transaction"],
  ["accountId", "account"],
  ["userId", "user"],
];

/** Target types of RPCs that act on no single object. */
const WHOLE_TARGETS: Readonly<Record<string, string>> = {
  VerifyLedgerIntegrity: "ledger",
  ListNotificationDeadLetters: "notification",
  ReplayNotificationDeadLetters: "notification",
  ListAuditLog: "audit_log",
  CreateStaff: "staff",
};

/** The target of `action` called with `message` (a protobuf-es message); empty for searches. */
export function auditTargetOf(action: string, message: Readonly<Record<string, unknown>>): { type: string; id: string } {
  for (const [field, type] of TARGET_FIELDS) {
    const value = message[field];
    if (typeof value === "string" && value !== "") return { type: STAFF_ACTIONS.has(action) && type === "user" ? "staff" : type, id: value.slice(0, 200) };
  }
  return { type: WHOLE_TARGETS[action] ?? "", id: "" };
}

/** The reason the caller gave (`reason`, or an alert's `note`), for the entry; empty for reads. */
export function auditReasonOf(message: Readonly<Record<string, unknown>>): string {
  const reason = typeof message.reason === "string" ? message.reason : typeof message.note === "string" ? message.note : "";
  return reason.trim().slice(0, 2_000);
}
