import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { grpcUnaryCall } from "./fixtures/grpc-js-clients.js";
import { SleepRequestSchema, SleepResponseSchema } from "./fixtures/slow-service.js";

const fixture = fileURLToPath(new URL("./fixtures/serve-with-signals.ts", import.meta.url));

/** Spawns the fixture and hands out the events it prints, in order. */
function spawnService(): { child: ChildProcess; nextEvent: () => Promise<Record<string, string>> } {
  const child = spawn(process.execPath, ["--import", "tsx", fixture], { stdio: ["ignore", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const nextEvent = async () => {
    for (;;) {
      const { value, done } = await lines.next();
      if (done) throw new Error("service exited before the expected event");
      const parsed = JSON.parse(value) as Record<string, string>;
      if (parsed.event) return parsed;
    }
  };
  return { child, nextEvent };
}

describe("handleSignals", () => {
  it("drains an in-flight call on SIGTERM, runs onShutdown and exits 0", async () => {
    const { child, nextEvent } = spawnService();
    const exited = once(child, "exit");
    try {
      const { url } = await nextEvent();
      assert.ok(url);
      const request = toBinary(SleepRequestSchema, create(SleepRequestSchema, { millis: 300 }));
      const { done } = grpcUnaryCall(url, "/test.slow.v1.SlowService/Sleep", request);
      assert.equal((await nextEvent()).event, "call started");

      child.kill("SIGTERM");
      const response = fromBinary(SleepResponseSchema, await done) as unknown as { sleptMillis: number };
      assert.equal(response.sleptMillis, 300);
      assert.equal((await nextEvent()).event, "onShutdown");
      const [code] = await exited;
      assert.equal(code, 0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
