/**
 * The committed manifests as the tests read them: parsed from the files (not
 * from the generator), and an overlay's objects gathered the way kustomize
 * would, by following each kustomization's `resources` (the overlays use no
 * patches, so the union of the listed files is what `kubectl apply -k` sends).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { repoRoot } from "../../scripts/k8s/version.js";

/** A Kubernetes object as committed. */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly [field: string]: any;
}

/** An object and the file it is in. */
export interface Located {
  readonly file: string;
  readonly object: K8sObject;
}

/** Every document of a committed YAML file. */
export function objectsOf(file: string): K8sObject[] {
  const text = readFileSync(path.join(repoRoot, file), "utf8");
  return parseAllDocuments(text).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
    return doc.toJS() as K8sObject;
  });
}

/** The `resources` of the kustomization in `dir`, resolved relative to the repository. */
export function kustomizationResources(dir: string): string[] {
  const file = path.join(repoRoot, dir, "kustomization.yaml");
  const kustomization = parse(readFileSync(file, "utf8")) as { resources?: string[] };
  return (kustomization.resources ?? []).map((resource) => path.normalize(path.join(dir, resource)));
}

/** The files a kustomization renders, following directories. */
export function kustomizationFiles(dir: string): string[] {
  return kustomizationResources(dir).flatMap((resource) => {
    const absolute = path.join(repoRoot, resource);
    if (!existsSync(absolute)) throw new Error(`${dir}/kustomization.yaml lists ${resource}, which does not exist`);
    return statSync(absolute).isDirectory() ? kustomizationFiles(resource) : [resource];
  });
}

/** What `kubectl apply -k <dir>` would create. */
export function renderedObjects(dir: string): Located[] {
  return kustomizationFiles(dir).flatMap((file) => objectsOf(file).map((object) => ({ file, object })));
}

/** An overlay's two roots: its workloads and its migration Jobs (the release command). */
export const overlayRoots = (overlay: string) => ({ main: `k8s/overlays/${overlay}`, migrations: `k8s/overlays/${overlay}/migrations` });

const rendered = new Map<string, Located[]>();

/** Everything an overlay creates, its migrations included (read once per test file). */
export function overlayObjects(overlay: string): Located[] {
  let objects = rendered.get(overlay);
  if (!objects) {
    const roots = overlayRoots(overlay);
    objects = [...renderedObjects(roots.main), ...renderedObjects(roots.migrations)];
    rendered.set(overlay, objects);
  }
  return objects;
}

/** Objects of one kind. */
export const ofKind = (objects: readonly Located[], kind: string): K8sObject[] => objects.filter((o) => o.object.kind === kind).map((o) => o.object);

/** The object of a kind and name; throws naming what is missing. */
export function find(objects: readonly Located[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.object.kind === kind && o.object.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found.object;
}
