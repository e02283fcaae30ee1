/**
 * Refusing unknown fields. The models' `validate()` checks types, enums and
 * required fields but lets an unknown field through (like the API server
 * without strict field validation), so this walks each object against the
 * TypeScript declaration of its kind that kubernetes-models and
 * @kubernetes-models/istio ship (generated from the same OpenAPI and CRD
 * schemas), and reports every field the declaration does not have.
 */
import path from "node:path";
import ts from "typescript";
import { repoRoot } from "../../scripts/k8s/version.js";

/** Where each kind's model lives: module and class (its declaration is `I<class>`). */
export const modelModules: Readonly<Record<string, string>> = {
  "v1/ServiceAccount": "kubernetes-models/v1/ServiceAccount",
  "v1/Service": "kubernetes-models/v1/Service",
  "v1/ConfigMap": "kubernetes-models/v1/ConfigMap",
  "v1/Namespace": "kubernetes-models/v1/Namespace",
  "apps/v1/Deployment": "kubernetes-models/apps/v1/Deployment",
  "apps/v1/StatefulSet": "kubernetes-models/apps/v1/StatefulSet",
  "batch/v1/Job": "kubernetes-models/batch/v1/Job",
  "policy/v1/PodDisruptionBudget": "kubernetes-models/policy/v1/PodDisruptionBudget",
  "autoscaling/v2/HorizontalPodAutoscaler": "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler",
  "networking.k8s.io/v1/NetworkPolicy": "kubernetes-models/networking.k8s.io/v1/NetworkPolicy",
  "security.istio.io/v1/AuthorizationPolicy": "@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy",
  "security.istio.io/v1beta1/PeerAuthentication": "@kubernetes-models/istio/security.istio.io/v1beta1/PeerAuthentication",
  "networking.istio.io/v1beta1/DestinationRule": "@kubernetes-models/istio/networking.istio.io/v1beta1/DestinationRule",
  "networking.istio.io/v1beta1/Gateway": "@kubernetes-models/istio/networking.istio.io/v1beta1/Gateway",
  "networking.istio.io/v1beta1/VirtualService": "@kubernetes-models/istio/networking.istio.io/v1beta1/VirtualService",
};

/** `apiVersion/kind`, the key of {@link modelModules}. */
export const kindKey = (object: { apiVersion: string; kind: string }): string => `${object.apiVersion}/${object.kind}`;

/** A checker of objects against their kinds' declarations. */
export interface DeclaredFieldsChecker {
  /** The paths of the fields of `object` its kind's declaration does not have (empty when all are known). */
  unknownFields(object: { apiVersion: string; kind: string }): string[];
}

/** Compiles a small program that names each kind's declaration, once. */
export function createDeclaredFieldsChecker(): DeclaredFieldsChecker {
  const keys = Object.keys(modelModules);
  const virtualFile = path.join(repoRoot, "test/deploy/__declared-kinds__.ts");
  const source = [
    ...keys.map((key, i) => `import type { I${key.split("/").at(-1)} as T${i} } from "${modelModules[key]}";`),
    `export interface Kinds {`,
    ...keys.map((key, i) => `  "${key}": T${i};`),
    `}`,
  ].join("\n");
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (file) => (file === virtualFile ? source : readFile(file));
  host.fileExists = (file) => file === virtualFile || fileExists(file);
  host.getSourceFile = (file, language, onError, shouldCreate) =>
    file === virtualFile ? ts.createSourceFile(file, source, language) : getSourceFile(file, language, onError, shouldCreate);
  const program = ts.createProgram([virtualFile], options, host);
  const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName === virtualFile);
  if (diagnostics.length > 0) throw new Error(ts.flattenDiagnosticMessageText(diagnostics[0]!.messageText, "\n"));
  const checker = program.getTypeChecker();
  const sourceFile = program.getSourceFile(virtualFile)!;
  const kindsSymbol = checker.getSymbolAtLocation(sourceFile)!.exports!.get(ts.escapeLeadingUnderscores("Kinds"))!;
  const kindsType = checker.getDeclaredTypeOfSymbol(kindsSymbol);

  /** The alternatives a declared type allows, unions and intersections (the models' oneOf encodings) flattened. */
  const constituents = (type: ts.Type): ts.Type[] => {
    const declared = checker.getNonNullableType(type);
    return declared.isUnionOrIntersection() ? declared.types.flatMap(constituents) : [declared];
  };

  function walk(value: unknown, types: readonly ts.Type[], at: string, unknown: string[]): void {
    if (value === null || value === undefined) return;
    const flat = types.flatMap(constituents);
    if (flat.some((t) => (t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) !== 0)) return;
    if (Array.isArray(value)) {
      const elements = flat.filter((t) => checker.isArrayType(t)).map((t) => checker.getTypeArguments(t as ts.TypeReference)[0]!);
      if (elements.length > 0) value.forEach((item, i) => walk(item, elements, `${at}[${i}]`, unknown));
      return;
    }
    if (typeof value !== "object") return;
    const objects = flat.filter((t) => (t.flags & ts.TypeFlags.Object) !== 0 && !checker.isArrayType(t));
    if (objects.length === 0) return; // a primitive declared where an object came: validate() reports the type
    for (const [key, child] of Object.entries(value)) {
      const properties = objects.map((o) => o.getProperty(key)).filter((p): p is ts.Symbol => p !== undefined);
      if (properties.length > 0) {
        walk(child, properties.map((p) => checker.getTypeOfSymbol(p)), `${at}.${key}`, unknown);
        continue;
      }
      const indexes = objects.map((o) => checker.getIndexTypeOfType(o, ts.IndexKind.String)).filter((t): t is ts.Type => t !== undefined);
      if (indexes.length > 0) walk(child, indexes, `${at}.${key}`, unknown);
      else unknown.push(`${at}.${key}`);
    }
  }

  return {
    unknownFields(object) {
      const property = kindsType.getProperty(kindKey(object));
      if (!property) return [`(no declaration for ${kindKey(object)})`];
      const unknown: string[] = [];
      walk(object, [checker.getTypeOfSymbol(property)], "", unknown);
      return unknown.map((p) => p.replace(/^\./, ""));
    },
  };
}
