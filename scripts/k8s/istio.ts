/**
 * The Istio mesh policy, from the call graph: STRICT mTLS for the namespace,
 * ISTIO_MUTUAL to every server, the REST edge alone behind the ingress
 * gateway (TLS there, HTTP redirected to HTTPS), an `allow-nothing` default,
 * and one AuthorizationPolicy per server that lets each caller's principal
 * call exactly the RPC paths the graph gives it, and nothing else.
 */
import { AuthorizationPolicy } from "@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy";
import { PeerAuthentication } from "@kubernetes-models/istio/security.istio.io/v1beta1/PeerAuthentication";
import { DestinationRule } from "@kubernetes-models/istio/networking.istio.io/v1beta1/DestinationRule";
import { Gateway } from "@kubernetes-models/istio/networking.istio.io/v1beta1/Gateway";
import { VirtualService } from "@kubernetes-models/istio/networking.istio.io/v1beta1/VirtualService";
import { processes, type ProcessEntry } from "../../platform/mesh/catalogue.js";
import { serviceHost } from "./environment.js";
import { metadata, partOf, selectorOf } from "./labels.js";
import { callersOf, identityKeyReaders, JWKS_PATH, pathsFor, principalOf } from "./mesh-graph.js";
import { edge, ingress } from "./settings.js";

type Rule = NonNullable<NonNullable<AuthorizationPolicy["spec"]>["rules"]>[number];

/** The ingress gateway's principal. */
export const ingressPrincipal = `cluster.local/ns/${ingress.namespace}/sa/${ingress.serviceAccount}`;

const servers = () => processes.filter((p) => p.grpcPort !== undefined);
const labels = () => partOf("mesh-policy");

/** Requests from `principals` to `entry`'s traffic port, with the operation's other conditions. */
const rule = (entry: ProcessEntry, principals: string[], operation: Omit<NonNullable<NonNullable<Rule["to"]>[number]["operation"]>, "ports">): Rule => ({
  from: [{ source: { principals } }],
  to: [{ operation: { ports: [String(entry.grpcPort)], ...operation } }],
});

/** The rules of one server: per caller, exactly its RPC paths (identity: its key set for the readers; the edge: the ingress). */
export function authorizationRules(entry: ProcessEntry): Rule[] {
  // The edge serves REST to the ingress gateway; its gRPC health and reflection stay inside the pod.
  if (entry.name === "gateway") return [rule(entry, [ingressPrincipal], { notPaths: ["/grpc.*"] })];
  const rules = callersOf(entry).map((caller) => rule(entry, [principalOf(caller)], { paths: pathsFor(entry, caller) }));
  if (entry.name === "identity") {
    rules.push(rule(entry, identityKeyReaders().map((p) => principalOf(p.name)), { methods: ["GET"], paths: [JWKS_PATH] }));
  }
  return rules;
}

/** One server's AuthorizationPolicy. */
export function authorizationPolicyFor(entry: ProcessEntry): AuthorizationPolicy {
  return new AuthorizationPolicy({
    metadata: metadata(entry.name, labels()),
    spec: { selector: { matchLabels: selectorOf(entry) }, action: "ALLOW", rules: authorizationRules(entry) },
  });
}

/** Everything istio/ holds, by file name. */
export function istioFiles(): Record<string, unknown[]> {
  const gateway = processes.find((p) => p.name === "gateway")!;
  return {
    "peer-authentication.yaml": [
      new PeerAuthentication({ metadata: metadata("default", labels()), spec: { mtls: { mode: "STRICT" } } }),
    ],
    "destination-rules.yaml": servers().map(
      (entry) =>
        new DestinationRule({
          metadata: metadata(entry.name, labels()),
          spec: { host: serviceHost(entry.name), trafficPolicy: { tls: { mode: "ISTIO_MUTUAL" } } },
        }),
    ),
    "ingress.yaml": [
      new Gateway({
        metadata: metadata("wallet-edge", labels()),
        spec: {
          selector: { ...ingress.selector },
          servers: [
            {
              port: { number: 443, name: "https", protocol: "HTTPS" },
              hosts: [edge.host],
              // The certificate is a Secret in the ingress gateway's namespace (cert-manager, say): referenced, never here.
              tls: { mode: "SIMPLE", credentialName: edge.tlsSecret, minProtocolVersion: "TLSV1_2" },
            },
            { port: { number: 80, name: "http", protocol: "HTTP" }, hosts: [edge.host], tls: { httpsRedirect: true } },
          ],
        },
      }),
      new VirtualService({
        metadata: metadata("wallet-edge", labels()),
        spec: {
          hosts: [edge.host],
          gateways: ["wallet-edge"],
          http: [{ name: "rest-edge", route: [{ destination: { host: serviceHost(gateway.name), port: { number: gateway.grpcPort! } } }] }],
        },
      }),
    ],
    "authorization-policies.yaml": [
      // An ALLOW policy without rules matches nothing: every request to the namespace's workloads is refused unless a policy below allows it.
      new AuthorizationPolicy({ metadata: metadata("allow-nothing", labels()), spec: {} }),
      ...servers().map(authorizationPolicyFor),
    ],
  };
}
