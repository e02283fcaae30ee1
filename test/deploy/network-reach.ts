/**
 * NetworkPolicy semantics for the subset the generated policies use, to ask
 * whether one pod may open a TCP connection to another: the source's egress
 * and the destination's ingress must both allow it. A pod no policy of a
 * direction selects is open in that direction; one that some policy selects
 * gets only what those policies' rules allow. `ipBlock` peers are taken to
 * match any address (some network plugins apply them to pod addresses too).
 */
import type { K8sObject } from "./manifests.js";

/** A pod: where it runs and its labels. */
export interface Pod {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}

type Selector = { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> };
type Peer = { podSelector?: Selector; namespaceSelector?: Selector; ipBlock?: { cidr: string } };
type Rule = { from?: Peer[]; to?: Peer[]; ports?: Array<{ port?: number; protocol?: string }> };

/** Whether a label selector selects `labels` (matchLabels and the `In` expressions). */
export function selectorMatches(selector: Selector | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!selector) return true;
  const labelsOk = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  const expressionsOk = (selector.matchExpressions ?? []).every((e) => {
    if (e.operator !== "In") throw new Error(`operator ${e.operator} is not evaluated here`);
    return labels[e.key] !== undefined && (e.values ?? []).includes(labels[e.key]!);
  });
  return labelsOk && expressionsOk;
}

function peerMatches(peer: Peer, pod: Pod, policyNamespace: string): boolean {
  if (peer.ipBlock) return true;
  const namespaceOk = peer.namespaceSelector
    ? selectorMatches(peer.namespaceSelector, { "kubernetes.io/metadata.name": pod.namespace })
    : pod.namespace === policyNamespace;
  return namespaceOk && selectorMatches(peer.podSelector, pod.labels);
}

const portMatches = (rule: Rule, port: number) => rule.ports === undefined || rule.ports.some((p) => p.port === undefined || (p.port === port && (p.protocol ?? "TCP") === "TCP"));

function directionAllows(policies: readonly K8sObject[], subject: Pod, peer: Pod, port: number, direction: "Ingress" | "Egress"): boolean {
  const selecting = policies.filter(
    (p) => p.metadata.namespace === subject.namespace && (p.spec.policyTypes ?? ["Ingress"]).includes(direction) && selectorMatches(p.spec.podSelector, subject.labels),
  );
  if (selecting.length === 0) return true;
  return selecting.some((policy) => {
    const rules: Rule[] = (direction === "Ingress" ? policy.spec.ingress : policy.spec.egress) ?? [];
    return rules.some((rule) => {
      const peers = direction === "Ingress" ? rule.from : rule.to;
      return portMatches(rule, port) && (peers === undefined || peers.some((p) => peerMatches(p, peer, policy.metadata.namespace!)));
    });
  });
}

/** Whether `from` may connect to `to` on TCP `port` under `policies`. */
export function canConnect(policies: readonly K8sObject[], from: Pod, to: Pod, port: number): boolean {
  return directionAllows(policies, from, to, port, "Egress") && directionAllows(policies, to, from, port, "Ingress");
}
