/** The idempotent event consumer's tables (`processed_events`, `dead_letter_events`): the frozen platform migration. */
export { up, down } from "#platform/consumer/migrations/0001_processed_events.js";
