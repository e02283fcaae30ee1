import { promises as fs } from "node:fs";
import path from "node:path";

/** The bench scripts present, by name (`ledger` for `ledger.ts`), sorted. */
export async function discoverBenches(dir: string): Promise<Map<string, string>> {
  const files = (await fs.readdir(dir, { withFileTypes: true }))
    .filter((entry) => entry.isFile() && /^[a-z][a-z0-9-]*\.ts$/.test(entry.name) && entry.name !== "run-all.ts")
    .map((entry) => entry.name)
    .sort();
  return new Map(files.map((file) => [file.replace(/\.ts$/, ""), path.join(dir, file)]));
}

/** Splits `--only a,b` (or `--only=a,b`) from the flags passed on to every bench. */
export function splitOnly(argv: readonly string[]): { only?: string[]; rest: string[] } {
  const rest: string[] = [];
  let only: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = arg === "--only" ? argv[++i] : arg.startsWith("--only=") ? arg.slice("--only=".length) : undefined;
    if (value !== undefined) only = [...(only ?? []), ...value.split(",").map((s) => s.trim()).filter(Boolean)];
    else if (arg !== "--only") rest.push(arg);
  }
  return { only, rest };
}
