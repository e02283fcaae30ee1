/**
 * Every committed manifest object against its schema: Kubernetes and Istio
 * objects against their kubernetes-models models (types, enums, required
 * fields) and their declarations (no unknown field); the operators' custom
 * resources against the CRD schemas under k8s/crds (unknown fields refused).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { before, describe, test } from "node:test";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import { generatedFilesOnDisk } from "../../scripts/k8s/render.js";
import { repoRoot } from "../../scripts/k8s/version.js";
import { createDeclaredFieldsChecker, kindKey, modelModules, type DeclaredFieldsChecker } from "./declared-fields.js";
import { objectsOf, type K8sObject } from "./manifests.js";

/** Every object of every generated file (kustomizations aside), with its file. */
const generated = generatedFilesOnDisk()
  .filter((file) => !file.endsWith("kustomization.yaml"))
  .flatMap((file) => objectsOf(file).map((object) => ({ file, object })));

/** The CRD schemas by `apiVersion/kind`, from their file names (`<group>_<version>_<Kind>.schema.json`). */
function crdSchemas(): Map<string, ValidateFunction> {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  const dir = path.join(repoRoot, "k8s/crds");
  const schemas = new Map<string, ValidateFunction>();
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".schema.json"))) {
    const [group, version, kind] = name.replace(/\.schema\.json$/, "").split("_");
    schemas.set(`${group}/${version}/${kind}`, ajv.compile(JSON.parse(readFileSync(path.join(dir, name), "utf8"))));
  }
  return schemas;
}

const where = (file: string, object: K8sObject) => `${file}: ${object.kind} ${object.metadata.name}`;

describe("the manifests against the Kubernetes and Istio schemas", () => {
  let checker: DeclaredFieldsChecker;
  before(() => {
    checker = createDeclaredFieldsChecker();
  });

  test("every Kubernetes and Istio object validates against its model's schema", async () => {
    const failures: string[] = [];
    for (const { file, object } of generated) {
      const module = modelModules[kindKey(object)];
      if (!module) continue; // a custom resource of an operator: see below
      const model = (await import(module)) as Record<string, new (data: unknown) => { validate(): void }>;
      try {
        new model[object.kind]!(object).validate();
      } catch (err) {
        failures.push(`${where(file, object)}: ${(err as Error).message}`);
      }
    }
    assert.deepEqual(failures, []);
  });

  test("no Kubernetes or Istio object has a field its kind does not declare", () => {
    const failures = generated
      .filter(({ object }) => modelModules[kindKey(object)])
      .flatMap(({ file, object }) => checker.unknownFields(object).map((field) => `${where(file, object)}: unknown field ${field}`));
    assert.deepEqual(failures, []);
  });

  test("a misspelt field is reported as unknown, at any depth", () => {
    const deployment = generated.find(({ object }) => object.kind === "Deployment")!.object;
    const copy = structuredClone(deployment) as any;
    copy.spec.template.spec.containers[0].livenessprobe = copy.spec.template.spec.containers[0].livenessProbe;
    copy.spec.template.spec.securityContext.runAsNonroot = true;
    assert.deepEqual(checker.unknownFields(copy).sort(), ["spec.template.spec.containers[0].livenessprobe", "spec.template.spec.securityContext.runAsNonroot"]);
    const policy = generated.find(({ object }) => object.kind === "AuthorizationPolicy" && object.spec.rules)!.object;
    const wrong = structuredClone(policy) as any;
    wrong.spec.rules[0].from[0].source.principal = ["cluster.local/ns/wallet/sa/intruder"];
    assert.deepEqual(checker.unknownFields(wrong), ["spec.rules[0].from[0].source.principal"]);
  });
});

describe("the operators' custom resources against their CRD schemas (k8s/crds)", () => {
  const schemas = crdSchemas();
  const custom = generated.filter(({ object }) => !modelModules[kindKey(object)]);

  test("every object is either a Kubernetes or Istio kind with a model, or a custom resource with a CRD schema", () => {
    const unknown = custom.filter(({ object }) => !schemas.has(kindKey(object))).map(({ file, object }) => `${where(file, object)} (${kindKey(object)})`);
    assert.deepEqual(unknown, []);
    assert.deepEqual([...new Set(custom.map(({ object }) => kindKey(object)))].sort(), ["postgresql.cnpg.io/v1/Cluster", "postgresql.cnpg.io/v1/Pooler", "rabbitmq.com/v1beta1/RabbitmqCluster"]);
  });

  test("every CloudNativePG Cluster and Pooler and the RabbitmqCluster validate against their CRD schemas", () => {
    const failures = custom.flatMap(({ file, object }) => {
      const validate = schemas.get(kindKey(object))!;
      return validate(object) ? [] : [`${where(file, object)}: ${JSON.stringify(validate.errors)}`];
    });
    assert.deepEqual(failures, []);
  });

  test("a custom resource with a misspelt or mistyped field fails its CRD schema", () => {
    const cluster = custom.find(({ object }) => object.kind === "Cluster")!.object;
    const validate = schemas.get(kindKey(cluster))!;
    const misspelt = structuredClone(cluster) as any;
    misspelt.spec.instance = 3;
    assert.equal(validate(misspelt), false);
    const mistyped = structuredClone(cluster) as any;
    mistyped.spec.instances = "3";
    assert.equal(validate(mistyped), false);
    const rabbit = custom.find(({ object }) => object.kind === "RabbitmqCluster")!.object;
    const badRabbit = structuredClone(rabbit) as any;
    badRabbit.spec.replicas = -1;
    assert.equal(schemas.get(kindKey(rabbit))!(badRabbit), false);
  });
});
