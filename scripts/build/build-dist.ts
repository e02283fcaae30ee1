/**
 * The production build: every source of the build plan compiled file by file
 * to plain JavaScript (esbuild, no bundling: the layout and `import.meta.url`
 * paths stay as in the source tree), its assets copied, and a package.json
 * that makes the folder an ES module package mapping `#platform/*` and
 * `#gen/*` into itself. Then the output is checked to be closed: every import
 * of every file resolves inside it or names a production dependency.
 */
import { promises as fs } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { build } from "esbuild";
import { builtPathOf } from "../../platform/mesh/build-output.js";
import { planBuild } from "./build-plan.js";

/** The file listing what the build wrote, inside the build's folder. */
export const BUILD_MANIFEST = "build-manifest.json";

/** What `buildDist` wrote. */
export interface BuildResult {
  /** Every file written, relative to the build's folder, sorted. */
  readonly files: string[];
  /** Production dependencies the built code imports. */
  readonly packages: string[];
}

/** The root package.json fields the build reads. */
interface RootPackage {
  readonly name: string;
  readonly version: string;
  readonly imports: Record<string, string>;
  readonly dependencies: Record<string, string>;
}

/**
 * Builds `root`'s production code into `outDir` (emptied first). Throws when a
 * built file imports something that is neither in the build nor a
 * production dependency (a test helper, a dev tool, a dev dependency).
 */
export async function buildDist(options: { root: string; outDir: string }): Promise<BuildResult> {
  const { root, outDir } = options;
  const rootPackage = JSON.parse(await fs.readFile(path.join(root, "package.json"), "utf8")) as RootPackage;
  const plan = await planBuild(root);
  await fs.rm(outDir, { recursive: true, force: true });
  await build({
    absWorkingDir: root,
    entryPoints: plan.code,
    outdir: outDir,
    outbase: root,
    bundle: false,
    format: "esm",
    platform: "node",
    target: "node22",
    sourcemap: "linked",
    sourcesContent: false,
    logLevel: "warning",
  });
  for (const asset of plan.assets) {
    await fs.mkdir(path.dirname(path.join(outDir, asset)), { recursive: true });
    await fs.copyFile(path.join(root, asset), path.join(outDir, asset));
  }
  // The layout mirrors the repository's, so the root's subpath imports hold unchanged.
  const distPackage = { name: `${rootPackage.name}-dist`, version: rootPackage.version, private: true, type: "module", imports: rootPackage.imports };
  await fs.writeFile(path.join(outDir, "package.json"), `${JSON.stringify(distPackage, null, 2)}\n`);

  const code = plan.code.map(builtPathOf);
  const packages = await importedPackages(outDir, code);
  const undeclared = packages.filter((name) => !(name in rootPackage.dependencies));
  if (undeclared.length > 0) throw new Error(`the build imports packages that are not production dependencies: ${undeclared.join(", ")}`);

  const files = [...code.flatMap((file) => [file, `${file}.map`]), ...plan.assets, "package.json", BUILD_MANIFEST].sort();
  await fs.writeFile(path.join(outDir, BUILD_MANIFEST), `${JSON.stringify({ files, packages }, null, 2)}\n`);
  return { files, packages };
}

/**
 * Resolves every built file's imports as Node would (relative paths and the
 * `#` subpath imports of the build's package.json), failing on one that does
 * not resolve, and returns the packages imported from node_modules.
 */
async function importedPackages(outDir: string, files: string[]): Promise<string[]> {
  const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
  const packages = new Set<string>();
  const result = await build({
    absWorkingDir: outDir,
    entryPoints: files,
    outdir: path.join(outDir, ".closure-check"),
    bundle: true,
    write: false,
    metafile: true,
    splitting: true,
    format: "esm",
    platform: "node",
    packages: "external",
    logLevel: "silent",
  });
  for (const input of Object.values(result.metafile.inputs)) {
    for (const imported of input.imports) {
      if (!imported.external || builtins.has(imported.path)) continue;
      const [scopeOrName, name] = imported.path.split("/");
      packages.add(scopeOrName!.startsWith("@") ? `${scopeOrName}/${name}` : scopeOrName!);
    }
  }
  return [...packages].sort();
}
