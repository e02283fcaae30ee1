/**
 * When `npm start` restarts a crashed process: at once the first time, then
 * with doubling delays, and not at all once it has crashed `maxRestarts` times
 * within `windowMs` (a crash loop, which a restart will not mend).
 */
export interface RestartPolicy {
  /** Delay before the first restart within the window. */
  readonly initialDelayMs: number;
  /** Longest delay between restarts. */
  readonly maxDelayMs: number;
  /** Restarts allowed within the window; one crash more stops the mesh. */
  readonly maxRestarts: number;
  readonly windowMs: number;
}

/** Five restarts in a minute, the first after 250 ms, then 0.5 s, 1 s, 2 s, 4 s. */
export const DEFAULT_RESTART_POLICY: RestartPolicy = { initialDelayMs: 250, maxDelayMs: 10_000, maxRestarts: 5, windowMs: 60_000 };

export type RestartDecision =
  | { readonly action: "restart"; readonly delayMs: number; readonly restartsInWindow: number }
  | { readonly action: "give-up"; readonly restartsInWindow: number };

/**
 * What to do about a process that just exited unexpectedly, given the times
 * of its earlier restarts. Drops times older than the window from `history`.
 */
export function restartDecision(policy: RestartPolicy, history: number[], now: number): RestartDecision {
  while (history.length > 0 && history[0]! <= now - policy.windowMs) history.shift();
  const restartsInWindow = history.length;
  if (restartsInWindow >= policy.maxRestarts) return { action: "give-up", restartsInWindow };
  const delayMs = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** restartsInWindow);
  return { action: "restart", delayMs, restartsInWindow };
}
