import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { bufBin, copyContracts, repoRoot, run } from "./contracts-copy.js";

test("buf lint passes on the contracts with the rules of buf.yaml", () => {
  const result = run(bufBin, ["lint"], repoRoot);
  assert.equal(result.status, 0, result.output);
});

test("every service, RPC, message, field and enum value under proto/wallet has a comment", () => {
  // buf's COMMENTS rules on top of STANDARD, for our module only.
  const c = copyContracts();
  try {
    const config = join(c.dir, "buf.yaml");
    const text = readFileSync(config, "utf8");
    assert.match(text, /- STANDARD\n/);
    writeFileSync(config, text.replace(/^(\s*)- STANDARD\n/m, "$1- STANDARD\n$1- COMMENTS\n"));
    const result = run(bufBin, ["lint"], c.dir);
    assert.equal(result.status, 0, result.output);
  } finally {
    c.dispose();
  }
});
