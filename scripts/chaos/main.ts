/**
 * `npm run chaos`: the fault suite's long form (test/chaos/run-chaos.ts).
 * Prints its figures and violations as JSON; exits 1 when a promise broke.
 *
 *   npm run chaos -- --clients 32 --cut 5s --gap 10s
 */
import { parseArgs } from "node:util";
import { runChaos } from "../../test/chaos/run-chaos.js";

const { values } = parseArgs({
  options: {
    clients: { type: "string", default: "32" },
    warmup: { type: "string", default: "10s" },
    cut: { type: "string", default: "5s" },
    gap: { type: "string", default: "10s" },
    cooldown: { type: "string", default: "10s" },
  },
});

function seconds(name: string, raw: string): number {
  const match = /^(\d+(?:\.\d+)?)s?$/.exec(raw);
  if (!match) {
    console.error(`--${name} must be a number of seconds such as 5s, got "${raw}"`);
    process.exit(2);
  }
  return Math.round(Number(match[1]) * 1_000);
}

const clients = Number(values.clients);
if (!Number.isInteger(clients) || clients < 2) {
  console.error(`--clients must be a whole number of at least 2, got "${values.clients}"`);
  process.exit(2);
}
const report = await runChaos({
  clients,
  warmupMs: seconds("warmup", values.warmup),
  cutMs: seconds("cut", values.cut),
  gapMs: seconds("gap", values.gap),
  cooldownMs: seconds("cooldown", values.cooldown),
  log: (line) => process.stderr.write(`chaos: ${line}\n`),
});
process.stdout.write(JSON.stringify({ ...report.figures, violations: report.violations }, null, 2) + "\n");
process.exit(report.violations.length === 0 ? 0 : 1);
