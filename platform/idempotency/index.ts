export { IdempotencyKeyInProgressError, IdempotencyKeyReusedError } from "./errors.js";
export { requestHash } from "./request-hash.js";
export {
  runIdempotent,
  hasLiveResult,
  DEFAULT_IDEMPOTENCY_WAIT_MS,
  type IdempotentCall,
  type IdempotentOutcome,
  type ResultCodec,
} from "./run-idempotent.js";
export { sweepExpiredIdempotencyKeys } from "./sweep.js";
