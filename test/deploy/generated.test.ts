/**
 * k8s/ and istio/ are what `npm run k8s:generate` renders from the catalogue
 * and the call graph, as gen/ is what `npm run proto` generates; and every
 * generated file is applied by some kustomization.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { generatedFilesOnDisk, renderManifests } from "../../scripts/k8s/render.js";
import { overlays } from "../../scripts/k8s/settings.js";
import { repoRoot } from "../../scripts/k8s/version.js";
import { kustomizationFiles, overlayRoots } from "./manifests.js";

const rendered = renderManifests();
const onDisk = generatedFilesOnDisk();
const hint = "run `npm run k8s:generate` and commit k8s/ and istio/";

test("no generated manifest is missing from k8s/ and istio/", () => {
  assert.deepEqual([...rendered.keys()].filter((file) => !onDisk.includes(file)).sort(), [], hint);
});

test("k8s/ and istio/ hold no YAML file the generator no longer renders", () => {
  assert.deepEqual(onDisk.filter((file) => !rendered.has(file)), [], hint);
});

test("every generated manifest equals its committed copy", () => {
  const stale = [...rendered].filter(([file, content]) => onDisk.includes(file) && readFileSync(path.join(repoRoot, file), "utf8") !== content).map(([file]) => file);
  assert.deepEqual(stale, [], hint);
});

test("every generated manifest is applied by an overlay or its migrations, and only production includes the Istio policy", () => {
  const reached = new Set<string>();
  for (const overlay of overlays) {
    const roots = overlayRoots(overlay);
    const files = [...kustomizationFiles(roots.main), ...kustomizationFiles(roots.migrations)];
    files.forEach((file) => reached.add(file));
    assert.equal(files.some((file) => file.startsWith("istio/")), overlay === "production", `${overlay} and istio/`);
  }
  const kustomizations = onDisk.filter((file) => file.endsWith("kustomization.yaml"));
  assert.deepEqual(onDisk.filter((file) => !reached.has(file) && !kustomizations.includes(file)), []);
});
