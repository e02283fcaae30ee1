/** The bare servers `npm run bench:transport` measures: each answers Health/Check like a real one. */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import readline from "node:readline";
import { test } from "node:test";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus } from "#gen/grpc/health/v1/health_pb.js";
import { transportStacks } from "../lib/transport-stacks.js";

for (const stack of transportStacks) {
  test(`the ${stack} server answers SERVING to a gRPC client, then reports its GC pauses on SIGTERM`, async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/bench/lib/transport-server.ts", stack], { stdio: ["ignore", "pipe", "inherit"] });
    const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    try {
      const { port } = JSON.parse((await lines.next()).value as string) as { port: number };
      const health = createClient(Health, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` }));
      assert.equal((await health.check({})).status, HealthCheckResponse_ServingStatus.SERVING);
      child.kill("SIGTERM");
      const { gc } = JSON.parse((await lines.next()).value as string) as { gc: { count: number; totalMs: number } };
      assert.ok(Number.isInteger(gc.count) && gc.totalMs >= 0);
    } finally {
      child.kill("SIGKILL");
    }
  });
}
