/**
 * `npm run k8s:generate`: writes the Kubernetes manifests (k8s/base,
 * k8s/overlays) and the Istio policy (istio/) from the mesh catalogue and the
 * call graph, and removes generated YAML files that are no longer rendered.
 * The test run fails when the committed files differ (test/deploy).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { generatedFilesOnDisk, renderManifests } from "./render.js";
import { repoRoot } from "./version.js";

const files = renderManifests();
let written = 0;
for (const [file, content] of files) {
  const absolute = path.join(repoRoot, file);
  if (existsSync(absolute) && readFileSync(absolute, "utf8") === content) continue;
  mkdirSync(path.dirname(absolute), { recursive: true });
  writeFileSync(absolute, content);
  written++;
}
const stale = generatedFilesOnDisk().filter((file) => !files.has(file));
for (const file of stale) rmSync(path.join(repoRoot, file));
console.log(`k8s:generate: ${files.size} files, ${written} written, ${stale.length} removed`);
