import { randomBytes } from "node:crypto";
import path from "node:path";

/**
 * A short slug of the running test file (`ledger-transfer.test.ts` becomes
 * `ledger_transfer`), so leftovers from a crashed run point at their origin.
 */
export function testFileSlug(file = process.argv[1] ?? "test"): string {
  const base = path.basename(file).replace(/\.test\.[cm]?[jt]s$/, "").replace(/\.[cm]?[jt]s$/, "");
  const slug = base.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
  return (slug || "test").slice(0, 30);
}

/** 8 random hex characters: enough to keep parallel runs apart. */
export function randomSuffix(): string {
  return randomBytes(4).toString("hex");
}
