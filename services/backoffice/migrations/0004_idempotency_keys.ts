// The platform's frozen idempotency-key table, in the backoffice's database
// (AdjustBalance and IssueRefund replay their first answer for a reused key).
export { up, down } from "#platform/idempotency/migrations/0001_idempotency_keys.js";
