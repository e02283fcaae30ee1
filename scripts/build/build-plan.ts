/**
 * What the production build compiles: the code that runs in production (every
 * process of the catalogue, the migrations, the operators' commands and the
 * image's entry script), and nothing that only the tests or a developer's
 * tools need. The build mirrors the repository's layout, so paths computed
 * from `import.meta.url` (the migrations folder, identity's password list)
 * hold in `dist/` as they do in the source tree.
 */
import { promises as fs } from "node:fs";
import path from "node:path";

/** Top-level folders the build walks. */
export const BUILD_ROOTS = ["platform", "gen", "services", "scripts"] as const;

/** Folders of `scripts/` that are development tools: they need dev dependencies or the source tree. */
export const DEV_ONLY_FOLDERS = [
  "scripts/bench",
  "scripts/build",
  "scripts/chaos",
  "scripts/fuzz",
  "scripts/k8s",
  "scripts/proto",
  "scripts/start",
] as const;

/** Folder names that hold tests or test helpers wherever they appear. */
const TEST_FOLDERS = new Set(["test", "testing", "node_modules"]);

/** Files that are never part of the build: tests, declarations, shell scripts. */
const SKIPPED_FILE = /(\.test\.ts|\.d\.ts|\.sh)$/;

/** The build's inputs, as paths relative to the repository root (forward slashes), sorted. */
export interface BuildPlan {
  /** TypeScript sources, each compiled to a `.js` file at the same path. */
  readonly code: string[];
  /** Other files read at run time (identity's password list), copied as they are. */
  readonly assets: string[];
}

/** True when a repository-relative path is inside the build (before looking at the file's kind). */
export function isBuiltPath(relative: string): boolean {
  const segments = relative.split("/");
  if (!(BUILD_ROOTS as readonly string[]).includes(segments[0]!)) return false;
  if (segments.slice(0, -1).some((segment) => TEST_FOLDERS.has(segment))) return false;
  return !DEV_ONLY_FOLDERS.some((folder) => relative === folder || relative.startsWith(`${folder}/`));
}

/** Walks the build's roots under `root` and sorts what it finds into code and assets. */
export async function planBuild(root: string): Promise<BuildPlan> {
  const code: string[] = [];
  const assets: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    for (const item of await fs.readdir(path.join(root, relative), { withFileTypes: true })) {
      const child = `${relative}/${item.name}`;
      if (item.isDirectory()) {
        if (isBuiltPath(`${child}/_`)) await walk(child);
      } else if (item.isFile() && isBuiltPath(child) && !SKIPPED_FILE.test(item.name)) {
        (item.name.endsWith(".ts") ? code : assets).push(child);
      }
    }
  };
  for (const top of BUILD_ROOTS) {
    const present = await fs.stat(path.join(root, top)).then((stat) => stat.isDirectory(), () => false);
    if (present) await walk(top);
  }
  return { code: code.sort(), assets: assets.sort() };
}
