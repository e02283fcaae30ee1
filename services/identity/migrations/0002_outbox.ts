/** Identity's transactional outbox: the platform's frozen `outbox_events` table. */
export { up, down } from "#platform/outbox/migrations/0001_outbox_events.js";
