import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createSilentLogger } from "../../logging/index.js";
import { startWorker } from "../index.js";

const logger = createSilentLogger();

describe("startWorker", () => {
  it("aborts the loop on shutdown and runs onShutdown after it returns", async () => {
    const events: string[] = [];
    const worker = await startWorker({
      name: "test-worker",
      host: "127.0.0.1",
      adminPort: 0,
      logger,
      run: (signal) =>
        new Promise<void>((resolve) =>
          signal.addEventListener("abort", () => {
            events.push("loop stopped");
            resolve();
          }),
        ),
      onShutdown: async () => {
        events.push("onShutdown");
      },
    });
    assert.equal((await fetch(`${worker.adminUrl}/readyz`)).status, 200);
    await worker.shutdown();
    await worker.done;
    assert.deepEqual(events, ["loop stopped", "onShutdown"]);
  });

  it("answers /readyz 503 once shutdown has begun", async () => {
    let stop: (() => void) | undefined;
    const worker = await startWorker({
      name: "test-worker",
      host: "127.0.0.1",
      adminPort: 0,
      logger,
      // A loop that takes a while to wind down after the abort.
      run: (signal) =>
        new Promise<void>((resolve) => signal.addEventListener("abort", () => (stop = resolve))),
    });
    const shutdown = worker.shutdown();
    assert.equal((await fetch(`${worker.adminUrl}/readyz`)).status, 503);
    stop?.();
    await shutdown;
  });

  it("shuts down when the loop fails, rejecting done with its error", async () => {
    let onShutdownRan = false;
    const worker = await startWorker({
      name: "test-worker",
      host: "127.0.0.1",
      adminPort: 0,
      logger,
      run: async () => {
        throw new Error("broker gone");
      },
      onShutdown: async () => {
        onShutdownRan = true;
      },
    });
    await assert.rejects(worker.done, /broker gone/);
    await worker.shutdown();
    assert.ok(onShutdownRan);
  });
});
