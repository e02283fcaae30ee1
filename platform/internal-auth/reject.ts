import { Code, ConnectError } from "@connectrpc/connect";

/** What the caller sees: deliberately vague, the reason goes to logs only. */
export const REJECTION_MESSAGE = "internal authentication failed";

/** Why a request was refused, for logs and metrics. */
export interface RejectionInfo {
  readonly procedure: string;
  readonly reason: string;
  /** The caller the request claimed to be, when it said. */
  readonly claimedCaller?: string;
}

/** Receives every rejection; wire it to the process logger. */
export type RejectionListener = (info: RejectionInfo) => void;

/**
 * An `Unauthenticated` error with a generic message; the precise reason is
 * the `cause` (never serialised to the client) and goes to `onReject`.
 */
export function rejection(info: RejectionInfo, onReject?: RejectionListener): ConnectError {
  onReject?.(info);
  return new ConnectError(REJECTION_MESSAGE, Code.Unauthenticated, undefined, undefined, new Error(info.reason));
}
