import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { formatLogLine } from "./log-format.js";

/** A child process of the mesh started by `npm start`. */
export interface SupervisedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  readonly exited: Promise<number | string>;
}

/**
 * Starts TypeScript entry points as separate Node processes and prefixes their
 * output with the process name. Every process gets its own environment.
 */
export function createSupervisor(options: { nameWidth: number; onUnexpectedExit: (name: string, code: number | string) => void }) {
  const running: SupervisedProcess[] = [];
  let stopping = false;
  // Last resort if the supervisor itself ends abruptly: leave no orphans behind.
  process.on("exit", () => {
    for (const p of running) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
  });

  function start(name: string, entry: string, env: NodeJS.ProcessEnv): SupervisedProcess {
    const index = running.length;
    // Own process group: Ctrl-C in the terminal reaches only the supervisor, which
    // then stops each process gracefully with one SIGTERM.
    const child = spawn(process.execPath, ["--import", "tsx", entry], { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on("line", (line) => {
        process.stdout.write(formatLogLine(name, index, line, options.nameWidth) + "\n");
      });
    }
    const exited = new Promise<number | string>((resolve) => {
      child.on("exit", (code, signal) => {
        const result = code ?? signal ?? "unknown";
        if (!stopping) options.onUnexpectedExit(name, result);
        resolve(result);
      });
    });
    const supervised = { name, child, exited };
    running.push(supervised);
    return supervised;
  }

  /**
   * Sends SIGTERM to every process (in reverse start order) and waits for them;
   * SIGKILL after the grace period. Resolves with the processes that did not exit 0.
   */
  async function stopAll(graceMs = 15_000): Promise<string[]> {
    stopping = true;
    const alive = running.filter((p) => p.child.exitCode === null && p.child.signalCode === null).reverse();
    for (const p of alive) p.child.kill("SIGTERM");
    const timer = setTimeout(() => alive.forEach((p) => p.child.kill("SIGKILL")), graceMs);
    await Promise.all(alive.map((p) => p.exited));
    clearTimeout(timer);
    const unclean: string[] = [];
    for (const p of running) {
      const result = await p.exited;
      if (result !== 0) unclean.push(`${p.name} (${result})`);
    }
    return unclean;
  }

  return { start, stopAll, running: running as readonly SupervisedProcess[] };
}
