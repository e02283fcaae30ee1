/**
 * Audience-bound keys. A caller's own secret never leaves it: toward each
 * receiving service it signs with a key derived from that secret for that
 * receiver alone (a one-step version of AWS SigV4's derived signing keys),
 * and a receiver holds only the keys derived for itself. HMAC keys verify
 * and sign alike, so a receiver holding its callers' plain secrets could sign
 * as them anywhere; holding only keys derived for itself, it can sign as them
 * nowhere but to itself.
 */
import { createHmac } from "node:crypto";
import { servedServices } from "../mesh/call-graph.js";
import type { CallerKeys } from "./config.js";

const receiverOfType = new Map(Object.entries(servedServices).flatMap(([service, typeNames]) => typeNames.map((typeName) => [typeName, service] as const)));

/**
 * The audience of a call to proto service `typeName`: the name of the mesh
 * service serving it (`ledger`, `backoffice`...), or the type name itself
 * for a service outside the catalogue (a test's).
 */
export function audienceOf(typeName: string): string {
  return receiverOfType.get(typeName) ?? typeName;
}

/** The key the holder of `secret` signs with toward `audience`: hex HMAC-SHA256(secret, "wallet-internal-v1 key for <audience>"). */
export function audienceKey(secret: string, audience: string): string {
  return createHmac("sha256", secret).update(`wallet-internal-v1 key for ${audience}`).digest("hex");
}

/**
 * The keys receiver `audience` accepts (its INTERNAL_AUTH_CALLER_KEYS), from
 * the callers' own secrets: each key derived for it, for the callers in
 * `callers` (all when absent).
 */
export function receiverKeys(secrets: CallerKeys, audience: string, callers?: readonly string[]): CallerKeys {
  const wanted = callers ? new Set(callers) : undefined;
  return Object.fromEntries(
    Object.entries(secrets)
      .filter(([caller]) => !wanted || wanted.has(caller))
      .map(([caller, byId]) => [caller, Object.fromEntries(Object.entries(byId).map(([keyId, secret]) => [keyId, audienceKey(secret, audience)]))]),
  );
}
