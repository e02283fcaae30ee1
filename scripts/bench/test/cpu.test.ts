import assert from "node:assert/strict";
import { test } from "node:test";
import { parseProcessCpuSeconds } from "../lib/cpu.js";

test("the service's CPU seconds are read from its Prometheus page", () => {
  const page = `# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total{service="ledger"} 12.5
process_cpu_user_seconds_total{service="ledger"} 10
`;
  assert.equal(parseProcessCpuSeconds(page), 12.5);
  assert.equal(parseProcessCpuSeconds("rpc_requests_total 3"), undefined);
});
