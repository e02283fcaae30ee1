/**
 * Where a process of the catalogue lives in the production build (`npm run
 * build`), which mirrors the repository's layout under `dist/` with each
 * `.ts` file compiled to `.js`. Shared by the build, the image's entry script
 * and `npm start` run from the build, so the three agree on one path.
 */
import type { ProcessEntry } from "./catalogue.js";

/** The build's folder, relative to the repository root. */
export const BUILD_DIR = "dist";

/** A source path (relative, `.ts`) as the build emits it: the same path ending in `.js`. */
export function builtPathOf(sourcePath: string): string {
  if (!sourcePath.endsWith(".ts") || sourcePath.endsWith(".d.ts")) throw new Error(`not a TypeScript source: ${sourcePath}`);
  return `${sourcePath.slice(0, -".ts".length)}.js`;
}

/** A process's entry point inside the build, relative to the build's folder: `services/ledger/src/main.js`. */
export function builtEntryOf(entry: Pick<ProcessEntry, "service" | "entry">): string {
  return builtPathOf(`services/${entry.service}/${entry.entry}`);
}
