/** Request headers of the HMAC scheme (gRPC metadata keys are lower case). */
export const InternalAuthHeader = {
  caller: "x-internal-caller",
  keyId: "x-internal-key-id",
  timestamp: "x-internal-timestamp",
  nonce: "x-internal-nonce",
  bodyDigest: "x-internal-body-sha256",
  signature: "x-internal-signature",
  /** The verified end-user subject the edge forwards; covered by the signature. */
  subject: "x-internal-subject",
} as const;

/** Istio's sidecar puts the verified mTLS peer here (Envoy's XFCC header). */
export const FORWARDED_CLIENT_CERT_HEADER = "x-forwarded-client-cert";

/** Procedures that never require internal auth: probes and tooling must reach them. */
export const defaultExemptPrefixes: readonly string[] = ["grpc.health.v1.", "grpc.reflection."];

/** True when the service's type name starts with one of `prefixes`. */
export function isExempt(serviceTypeName: string, prefixes: readonly string[]): boolean {
  return prefixes.some((prefix) => serviceTypeName.startsWith(prefix));
}
