// The platform's frozen idempotency-key table, in the ledger's database.
export { up, down } from "#platform/idempotency/migrations/0001_idempotency_keys.js";
