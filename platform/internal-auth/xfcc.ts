/**
 * Parsing of Envoy's `x-forwarded-client-cert` (XFCC) header.
 *
 * The value is a comma-separated list of elements, one per proxy that handled
 * the request; each element is `;`-separated `key=value` pairs (By, Hash,
 * Cert, Chain, Subject, URI, DNS) and a value containing `,`, `;` or `=` is
 * double-quoted. Example set by an Istio sidecar:
 *
 *     By=spiffe://cluster.local/ns/wallet/sa/ledger;Hash=6b2f...;Subject="";URI=spiffe://cluster.local/ns/wallet/sa/gateway
 */

/** One XFCC element: keys lower-cased, each with its values in order (URI and DNS may repeat). */
export type XfccElement = ReadonlyMap<string, readonly string[]>;

/** Splits on `separator` outside double quotes. */
function splitOutsideQuotes(value: string, separator: string): string[] {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const char = value[i]!;
    if (char === "\\" && quoted && i + 1 < value.length) {
      current += char + value[++i];
    } else if (char === '"') {
      quoted = !quoted;
      current += char;
    } else if (char === separator && !quoted) {
      parts.push(current);
      current = "";
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts;
}

function unquote(value: string): string {
  const trimmed = value.trim();
  if (trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"')) {
    return trimmed.slice(1, -1).replace(/\\(.)/g, "$1");
  }
  return trimmed;
}

/** Parses a whole XFCC header into its elements, first proxy first. */
export function parseXfcc(header: string): XfccElement[] {
  return splitOutsideQuotes(header, ",")
    .filter((element) => element.trim() !== "")
    .map((element) => {
      const fields = new Map<string, string[]>();
      for (const pair of splitOutsideQuotes(element, ";")) {
        const eq = pair.indexOf("=");
        if (eq <= 0) continue;
        const key = pair.slice(0, eq).trim().toLowerCase();
        fields.set(key, [...(fields.get(key) ?? []), unquote(pair.slice(eq + 1))]);
      }
      return fields;
    });
}

/** A SPIFFE id in Kubernetes form: `spiffe://<trust domain>/ns/<namespace>/sa/<service account>`. */
export interface SpiffeId {
  readonly id: string;
  readonly trustDomain: string;
  readonly namespace?: string;
  readonly serviceAccount?: string;
}

/** Parses a SPIFFE URI; undefined when it is not one. */
export function parseSpiffeId(uri: string): SpiffeId | undefined {
  const match = /^spiffe:\/\/([^/]+)(\/.*)?$/.exec(uri);
  if (!match) return undefined;
  const path = match[2] ?? "";
  const k8s = /^\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(path);
  return { id: uri, trustDomain: match[1]!, namespace: k8s?.[1], serviceAccount: k8s?.[2] };
}

/**
 * The peer's SPIFFE id from the element added by the nearest proxy (the last
 * one): with Istio that is this pod's own sidecar, which verified the peer's
 * mTLS certificate. Earlier elements were written by proxies further away and
 * are not trusted.
 */
export function peerSpiffeId(header: string): SpiffeId | undefined {
  const last = parseXfcc(header).at(-1);
  for (const uri of last?.get("uri") ?? []) {
    const id = parseSpiffeId(uri);
    if (id) return id;
  }
  return undefined;
}
