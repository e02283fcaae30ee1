/** Test support: waiting for a condition without asserting on how fast it comes. */

/** Resolves once `condition` holds (polled every 25 ms); rejects naming `what` after `timeoutMs` (a guard, not a speed check). */
export async function eventually(condition: () => Promise<boolean> | boolean, what: string | (() => string), timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === "function" ? what() : what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
