/**
 * Every Secret the manifests reference has a maker: an operator
 * (CloudNativePG's `<cluster>-app`, the RabbitMQ operator's default user), the
 * local-secrets script on a local cluster, and the platform team in
 * production, which docs/deployment.md lists for them.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { localSecrets } from "../../scripts/k8s/local-secret-values.js";
import { provisionedSecrets } from "../../scripts/k8s/secrets.js";
import { overlays } from "../../scripts/k8s/settings.js";
import { repoRoot } from "../../scripts/k8s/version.js";
import { overlayObjects, type K8sObject } from "./manifests.js";

/** Every `secretKeyRef` of an overlay's workloads: name, key and whether it is optional. */
function secretReferences(overlay: string): Array<{ name: string; key: string; optional: boolean }> {
  const refs: Array<{ name: string; key: string; optional: boolean }> = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === "object") {
      const ref = (node as { secretKeyRef?: { name: string; key: string; optional?: boolean } }).secretKeyRef;
      if (ref) refs.push({ name: ref.name, key: ref.key, optional: ref.optional === true });
      Object.values(node).forEach(visit);
    }
  };
  overlayObjects(overlay).forEach(({ object }: { object: K8sObject }) => visit(object));
  return refs;
}

const madeByOperator = (name: string) => /-db-app$/.test(name) || /-default-user$/.test(name);

test("the local-secrets script makes every key the local overlay reads from a Secret no operator makes", () => {
  const made = new Map(localSecrets().map((s) => [s.metadata!.name!, s.stringData ?? {}]));
  const missing = secretReferences("local")
    .filter((ref) => !madeByOperator(ref.name) && !ref.optional)
    .filter((ref) => made.get(ref.name)?.[ref.key] === undefined)
    .map((ref) => `${ref.name}/${ref.key}`);
  assert.deepEqual(missing, []);
  // hmac mode needs the optional keys too on a local cluster.
  for (const ref of secretReferences("local").filter((r) => r.name.startsWith("wallet-internal-auth"))) assert.ok(made.get(ref.name)?.[ref.key], `${ref.name}/${ref.key}`);
});

test("docs/deployment.md lists every Secret production reads that no operator makes", () => {
  const docs = readFileSync(path.join(repoRoot, "docs/deployment.md"), "utf8");
  for (const overlay of overlays) {
    for (const ref of secretReferences(overlay).filter((r) => !madeByOperator(r.name))) {
      const listed = Object.keys(provisionedSecrets).find((name) => (name.includes("<process>") ? ref.name.startsWith(name.replace("<process>", "")) : ref.name === name));
      assert.ok(listed, `${ref.name} is in scripts/k8s/secrets.ts provisionedSecrets`);
      assert.ok(docs.includes(`\`${listed}\``), `docs/deployment.md names \`${listed}\``);
      assert.ok(provisionedSecrets[listed as keyof typeof provisionedSecrets].includes(`\`${ref.key}\``), `${listed} lists key ${ref.key}`);
    }
  }
});
