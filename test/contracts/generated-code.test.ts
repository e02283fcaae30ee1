import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { after, before, describe, test } from "node:test";
import { type ContractsCopy, bufBin, copyContracts, repoRoot, run } from "./contracts-copy.js";

/** Every file below `dir`, as paths relative to it, sorted. */
function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

describe("gen/ is what `npm run proto` generates from proto/", () => {
  const committed = join(repoRoot, "gen");
  let copy: ContractsCopy;
  let fresh: string;

  before(() => {
    copy = copyContracts(["buf.yaml", "buf.gen.yaml", "proto"]);
    const result = run(bufBin, ["generate"], copy.dir);
    assert.equal(result.status, 0, result.output);
    fresh = join(copy.dir, "gen");
  });
  after(() => copy.dispose());

  test("no generated file is missing from gen/", () => {
    const missing = listFiles(fresh).filter((f) => !listFiles(committed).includes(f));
    assert.deepEqual(missing, [], "run `npm run proto` and commit gen/");
  });

  test("gen/ holds no file that proto/ no longer generates", () => {
    const extra = listFiles(committed).filter((f) => !listFiles(fresh).includes(f));
    assert.deepEqual(extra, [], "run `npm run proto` and commit gen/");
  });

  test("every generated file equals its committed copy", () => {
    const committedFiles = new Set(listFiles(committed));
    const stale = listFiles(fresh).filter(
      (f) => committedFiles.has(f) && readFileSync(join(fresh, f), "utf8") !== readFileSync(join(committed, f), "utf8"),
    );
    assert.deepEqual(stale, [], "run `npm run proto` and commit gen/");
  });
});
