/** Labels and metadata shared by the generated objects. */
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap";
import type { ProcessEntry } from "../../platform/mesh/catalogue.js";
import { NAMESPACE, PART_OF, workloadOf } from "./settings.js";

/** An object's metadata, as kubernetes-models types it. */
export type ObjectMeta = NonNullable<IConfigMap["metadata"]>;

/** The label a process's pods are selected by. */
export const NAME_LABEL = "app.kubernetes.io/name";
export const COMPONENT_LABEL = "app.kubernetes.io/component";
export const PART_OF_LABEL = "app.kubernetes.io/part-of";

/** What selects a process's pods. */
export const selectorOf = (entry: ProcessEntry): Record<string, string> => ({ [NAME_LABEL]: entry.name });

/** Labels of a process's objects and pods (`app` for Istio's telemetry). */
export const processLabels = (entry: ProcessEntry): Record<string, string> => ({
  [NAME_LABEL]: entry.name,
  [COMPONENT_LABEL]: workloadOf(entry),
  [PART_OF_LABEL]: PART_OF,
  app: entry.name,
});

/** Metadata in the namespace with the given labels. */
export const metadata = (name: string, labels: Record<string, string>, annotations?: Record<string, string>): ObjectMeta => ({
  name,
  namespace: NAMESPACE,
  labels,
  ...(annotations ? { annotations } : {}),
});

/** Labels of objects that belong to the mesh but to no process (data services, policies). */
export const partOf = (component: string, name?: string): Record<string, string> => ({
  ...(name ? { [NAME_LABEL]: name } : {}),
  [COMPONENT_LABEL]: component,
  [PART_OF_LABEL]: PART_OF,
});
