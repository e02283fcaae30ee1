import { durationMs, text } from "../config/index.js";

/**
 * The revoked-session list's environment, a zod shape fragment merged by
 * identity (the writer: the prefix) and by the edge and the BFF (the readers:
 * the prefix and the cache). The prefix must be the same in all three.
 */
export const sessionRevocationConfigShape = {
  /** Prefix of the revoked-session keys (`<prefix>revoked-session:<sid>`); a second mesh on the same Redis sets its own. */
  SESSION_REVOCATION_REDIS_PREFIX: text("wallet:"),
  /** How long the edge and the BFF reuse an answer of the list; a revocation takes effect within it. Default 1 s. */
  SESSION_REVOCATION_CACHE: durationMs(1_000),
};
