import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { discoverBenches, splitOnly } from "../lib/discover.js";

test("every top-level script except run-all is a bench, named after its file", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "bench-discover-"));
  try {
    for (const file of ["ledger.ts", "identity.ts", "run-all.ts", "notes.md"]) await writeFile(path.join(dir, file), "");
    assert.deepEqual([...(await discoverBenches(dir)).keys()], ["identity", "ledger"]);
  } finally {
    await rm(dir, { recursive: true });
  }
});

test("--only selects benches and every other flag is passed on", () => {
  assert.deepEqual(splitOnly(["--only", "ledger,risk", "--clients", "8", "--only=edge"]), {
    only: ["ledger", "risk", "edge"],
    rest: ["--clients", "8"],
  });
  assert.deepEqual(splitOnly(["--seconds", "5"]), { only: undefined, rest: ["--seconds", "5"] });
});
