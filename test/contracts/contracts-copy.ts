/**
 * Helpers for the contract tests: copy the contracts into a scratch directory,
 * edit a file there, and run buf or the proto scripts on the copy, so no test
 * ever touches the checkout's proto/ or gen/.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (this file lives in test/contracts/). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** The buf CLI installed by npm. */
export const bufBin = join(repoRoot, "node_modules/.bin/buf");

/** What a finished command left behind. */
export interface CommandResult {
  readonly status: number | null;
  /** stdout and stderr together, in the order buf prints them. */
  readonly output: string;
}

/** A scratch copy of some of the repository's files, removed by `dispose`. */
export interface ContractsCopy {
  readonly dir: string;
  /** Replaces `from` with `to` in one file of the copy; throws when `from` is absent. */
  edit(path: string, from: string, to: string): void;
  dispose(): void;
}

/** Copies the given top-level files and folders (default: buf.yaml and proto/) into a new temp dir. */
export function copyContracts(entries: readonly string[] = ["buf.yaml", "proto"]): ContractsCopy {
  const dir = mkdtempSync(join(tmpdir(), "wallet-contracts-"));
  for (const entry of entries) cpSync(join(repoRoot, entry), join(dir, entry), { recursive: true });
  return {
    dir,
    edit(path, from, to) {
      const file = join(dir, path);
      const text = readFileSync(file, "utf8");
      if (!text.includes(from)) throw new Error(`"${from}" not found in ${path}`);
      writeFileSync(file, text.replace(from, to));
    },
    dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs a command to completion with node_modules/.bin first on PATH. */
export function run(command: string, args: readonly string[], cwd: string): CommandResult {
  const result = spawnSync(command, args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, PATH: `${join(repoRoot, "node_modules/.bin")}:${process.env.PATH ?? ""}` },
  });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Runs one of scripts/proto/*.sh from this checkout on `dir`. */
export function runProtoScript(script: "breaking.sh" | "baseline.sh", dir: string): CommandResult {
  return run("bash", [join(repoRoot, "scripts/proto", script), dir], dir);
}
