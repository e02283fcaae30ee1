/**
 * `npm run build`: the production build in `dist/` (see build-dist.ts). Run
 * a process from it with `node dist/scripts/run-process.js <process>`, or the
 * whole mesh with `MESH_FROM_BUILD=1 npm start`.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BUILD_DIR } from "../../platform/mesh/build-output.js";
import { buildDist } from "./build-dist.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const started = performance.now();
try {
  const { files, packages } = await buildDist({ root, outDir: path.join(root, BUILD_DIR) });
  const modules = files.filter((file) => file.endsWith(".js")).length;
  console.log(`built ${modules} modules into ${BUILD_DIR}/ in ${Math.round(performance.now() - started)} ms; production packages imported: ${packages.length}`);
} catch (err) {
  console.error(`build failed: ${(err as Error).message}`);
  process.exitCode = 1;
}
