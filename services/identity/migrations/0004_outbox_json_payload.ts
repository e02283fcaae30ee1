/** The identity outbox may hold events as proto3 JSON: the platform's frozen migration. */
export { up, down } from "#platform/outbox/migrations/0002_outbox_json_payload.js";
