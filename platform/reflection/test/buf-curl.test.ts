import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import type { RunningService } from "../../server/index.js";
import { startTestService } from "../../server/test/fixtures/test-service.js";

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
const bufBin = `${repoRoot}node_modules/.bin/buf`;

/** Runs `buf curl` from the repository root, with no proto files passed. */
async function bufCurl(args: string[]): Promise<string> {
  const { stdout } = await run(bufBin, ["curl", ...args], { cwd: repoRoot, timeout: 60_000 });
  return stdout;
}

describe("buf curl through reflection", () => {
  let service: RunningService;
  before(async () => {
    service = await startTestService();
  });
  after(() => service.shutdown());

  it("lists every method with --list-methods", async () => {
    const out = await bufCurl(["--list-methods", "--http2-prior-knowledge", service.url]);
    const methods = out.trim().split("\n");
    for (const method of [
      "grpc.health.v1.Health/Check",
      "grpc.health.v1.Health/Watch",
      "grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
      "grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
      "test.slow.v1.SlowService/Sleep",
    ]) {
      assert.ok(methods.includes(method), `${method} missing from:\n${out}`);
    }
  });

  it("calls the health check over gRPC as SERVING", async () => {
    const out = await bufCurl(["--protocol", "grpc", "--http2-prior-knowledge", `${service.url}/grpc.health.v1.Health/Check`]);
    assert.deepEqual(JSON.parse(out), { status: "SERVING" });
  });

  it("calls the health check over gRPC-Web", async () => {
    const out = await bufCurl(["--protocol", "grpcweb", `${service.url}/grpc.health.v1.Health/Check`]);
    assert.deepEqual(JSON.parse(out), { status: "SERVING" });
  });

  it("calls an annotated method whose schema it learned by reflection", async () => {
    const out = await bufCurl([
      "--protocol",
      "grpc",
      "--http2-prior-knowledge",
      "-d",
      '{"millis": 1}',
      `${service.url}/test.slow.v1.SlowService/Sleep`,
    ]);
    assert.deepEqual(JSON.parse(out), { sleptMillis: 1 });
  });
});
