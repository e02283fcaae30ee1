/** Polls a process's `/readyz` until it answers 200, the process exits, or the time is up. */
export async function waitUntilReady(adminPort: number, options: { timeoutMs: number; exited: Promise<unknown> }): Promise<boolean> {
  let gone = false;
  void options.exited.then(() => (gone = true));
  const deadline = Date.now() + options.timeoutMs;
  while (!gone && Date.now() < deadline) {
    try {
      const response = await fetch(`http://127.0.0.1:${adminPort}/readyz`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}
