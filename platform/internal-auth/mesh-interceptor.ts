import type { Interceptor } from "@connectrpc/connect";
import { internalCallerKey } from "./context-values.js";
import { defaultExemptPrefixes, FORWARDED_CLIENT_CERT_HEADER, InternalAuthHeader, isExempt } from "./headers.js";
import { rejection, type RejectionListener } from "./reject.js";
import { procedureOf } from "./signature.js";
import { peerSpiffeId } from "./xfcc.js";

/** Options for {@link createMeshAuthServerInterceptor}. */
export interface MeshAuthServerOptions {
  /** Accepted callers: service-account names (`gateway`) or full SPIFFE ids. Any when absent. */
  readonly allowedCallers?: readonly string[];
  /** Required SPIFFE trust domain (e.g. `cluster.local`); any when absent. */
  readonly trustDomain?: string;
  /** Service type-name prefixes served without auth; default health and reflection. */
  readonly exempt?: readonly string[];
  readonly onReject?: RejectionListener;
}

/**
 * Server interceptor for INTERNAL_AUTH_MODE=mesh: trusts the mTLS identity
 * the Istio sidecar verified and wrote into `x-forwarded-client-cert`
 * (`URI=spiffe://<trust domain>/ns/<ns>/sa/<service account>`), and rejects
 * a call without it with `Unauthenticated`. The caller id is the service
 * account name. This is only sound when the sidecar is the sole way in:
 * PeerAuthentication STRICT for the namespace, and the app port not exposed
 * past the sidecar (a later issue ships those manifests). Envoy's sidecar
 * inbound listener appends its element to the header, so the last element is
 * the one this pod's sidecar wrote.
 */
export function createMeshAuthServerInterceptor(options: MeshAuthServerOptions = {}): Interceptor {
  const exempt = options.exempt ?? defaultExemptPrefixes;
  const allowed = options.allowedCallers ? new Set(options.allowedCallers) : undefined;
  return (next) => async (req) => {
    if (isExempt(req.service.typeName, exempt)) return next(req);
    const procedure = procedureOf(req.service, req.method);
    const reject = (reason: string) => rejection({ procedure, reason }, options.onReject);
    const xfcc = req.header.get(FORWARDED_CLIENT_CERT_HEADER);
    if (!xfcc) throw reject(`missing ${FORWARDED_CLIENT_CERT_HEADER}`);
    const peer = peerSpiffeId(xfcc);
    if (!peer?.serviceAccount) throw reject("no SPIFFE service-account URI in the nearest XFCC element");
    if (options.trustDomain && peer.trustDomain !== options.trustDomain) throw reject(`trust domain "${peer.trustDomain}" is not "${options.trustDomain}"`);
    if (allowed && !allowed.has(peer.serviceAccount) && !allowed.has(peer.id)) throw reject(`caller "${peer.id}" is not allowed`);
    const subject = req.header.get(InternalAuthHeader.subject) || undefined;
    req.contextValues.set(internalCallerKey, { callerId: peer.serviceAccount, subject, mode: "mesh", principal: peer.id });
    return next(req);
  };
}
