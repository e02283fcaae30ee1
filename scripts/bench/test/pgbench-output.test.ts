import assert from "node:assert/strict";
import { test } from "node:test";
import { parsePgbenchOutput, pgbenchConnection } from "../lib/pgbench.js";

/** The summary pgbench 15 prints after `-b tpcb-like -T 10`. */
const PGBENCH_15_OUTPUT = `pgbench (15.20 (Debian 15.20-0+deb12u1))
transaction type: <builtin: TPC-B (sort of)>
scaling factor: 32
query mode: simple
number of clients: 32
number of threads: 2
maximum number of tries: 1
duration: 10 s
number of transactions actually processed: 28721
number of failed transactions: 0 (0.000%)
latency average = 11.180 ms
initial connection time = 35.112 ms
tps = 2862.216548 (without initial connection time)
`;

test("the tps, average latency and transaction counts are read from pgbench's summary", () => {
  assert.deepEqual(parsePgbenchOutput(PGBENCH_15_OUTPUT), { tps: 2862.216548, latencyAverageMs: 11.18, transactions: 28721, failed: 0 });
});

test("output without a tps line is an error", () => {
  assert.throws(() => parsePgbenchOutput("pgbench: error: connection refused"), /no tps line/);
});

test("pgbench gets host, port and user as flags and the password only through PGPASSWORD", () => {
  const { args, env } = pgbenchConnection("postgres://bench:p%40ss@db.local:6543/x");
  assert.deepEqual(args, ["-h", "db.local", "-p", "6543", "-U", "bench"]);
  assert.equal(env.PGPASSWORD, "p@ss");
});
