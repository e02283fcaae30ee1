import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { formatLogLine } from "./log-format.js";
import { restartDecision, type RestartPolicy } from "./restart-policy.js";

/** A process of the mesh started by `npm start`, restarted when it crashes. */
export interface SupervisedProcess {
  readonly name: string;
  /** The running child (a new one after each restart). */
  readonly child: ChildProcess;
  /** Restarts since the mesh started. */
  readonly restarts: number;
  /** Resolves once the process is gone for good: stopped, or given up on as crash-looping. */
  readonly ended: Promise<number | string>;
}

/** What the supervisor tells the start script. */
export interface SupervisorEvents {
  /** A child was spawned (first start or restart). */
  onStarted(name: string, pid: number, restarts: number): void;
  /** A process exited unexpectedly and will be started again after `delayMs`. */
  onRestarting(name: string, exit: number | string, delayMs: number, restartsInWindow: number): void;
  /** A process exited unexpectedly once too often within the window: the mesh should stop. */
  onCrashLoop(name: string, exit: number | string, restartsInWindow: number): void;
}

/**
 * Starts entry points as separate Node processes, prefixes their output with
 * the process name, and restarts a process that exits while the mesh is not
 * stopping, with backoff (see {@link restartDecision}). `nodeArgs` come before
 * the entry (default: tsx's loader, for TypeScript; none for the build's
 * JavaScript).
 */
export function createSupervisor(options: { nameWidth: number; policy: RestartPolicy; events: SupervisorEvents; nodeArgs?: readonly string[] }) {
  const nodeArgs = options.nodeArgs ?? ["--import", "tsx"];
  const running: Array<SupervisedProcess & { child: ChildProcess; restarts: number; cancelRestart: () => void }> = [];
  let stopping = false;
  // Last resort if the supervisor itself ends abruptly: leave no orphans behind.
  process.on("exit", () => {
    for (const p of running) if (isAlive(p.child)) p.child.kill("SIGKILL");
  });

  function start(name: string, entry: string, env: NodeJS.ProcessEnv): SupervisedProcess {
    const index = running.length;
    const restartTimes: number[] = [];
    let endWith!: (result: number | string) => void;
    const ended = new Promise<number | string>((resolve) => (endWith = resolve));
    const supervised = { name, child: undefined as unknown as ChildProcess, restarts: 0, ended, cancelRestart: () => {} };

    const spawnChild = () => {
      // Own process group: Ctrl-C in the terminal reaches only the supervisor, which
      // then stops each process gracefully with one SIGTERM.
      const child = spawn(process.execPath, [...nodeArgs, entry], { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
      for (const stream of [child.stdout, child.stderr]) {
        createInterface({ input: stream }).on("line", (line) => {
          process.stdout.write(formatLogLine(name, index, line, options.nameWidth) + "\n");
        });
      }
      supervised.child = child;
      options.events.onStarted(name, child.pid ?? -1, supervised.restarts);
      child.on("exit", (code, signal) => {
        const result = code ?? signal ?? "unknown";
        if (stopping) return endWith(result);
        const decision = restartDecision(options.policy, restartTimes, Date.now());
        if (decision.action === "give-up") {
          options.events.onCrashLoop(name, result, decision.restartsInWindow);
          return endWith(result);
        }
        restartTimes.push(Date.now());
        options.events.onRestarting(name, result, decision.delayMs, decision.restartsInWindow + 1);
        const timer = setTimeout(() => {
          supervised.cancelRestart = () => {};
          supervised.restarts++;
          spawnChild();
        }, decision.delayMs);
        supervised.cancelRestart = () => {
          clearTimeout(timer);
          endWith(result);
        };
      });
    };
    spawnChild();
    running.push(supervised);
    return supervised;
  }

  /**
   * Sends SIGTERM to every process (in reverse start order) and waits for them;
   * SIGKILL after the grace period. A process waiting to be restarted is not
   * started again. Resolves with the processes that did not exit 0.
   */
  async function stopAll(graceMs = 15_000): Promise<string[]> {
    stopping = true;
    for (const p of running) p.cancelRestart();
    const alive = running.filter((p) => isAlive(p.child)).reverse();
    for (const p of alive) p.child.kill("SIGTERM");
    const timer = setTimeout(() => alive.forEach((p) => p.child.kill("SIGKILL")), graceMs);
    const results = await Promise.all(running.map((p) => p.ended));
    clearTimeout(timer);
    return running.flatMap((p, i) => (results[i] === 0 ? [] : [`${p.name} (${results[i]})`]));
  }

  return { start, stopAll, running: running as readonly SupervisedProcess[] };
}

function isAlive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}
