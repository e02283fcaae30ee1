import { randomBytes } from "node:crypto";
import type { Interceptor } from "@connectrpc/connect";
import { createInternalAuthClientInterceptor, receiverKeys } from "../../platform/internal-auth/index.js";
import { externalCallers } from "../../platform/mesh/call-graph.js";
import { processes } from "../../platform/mesh/catalogue.js";

/** Internal-auth keys of a bench run: one per caller, as `npm start` gives each process its own. */
export interface BenchKeys {
  /** The internal-auth variables of a process of `service`: its own secret, and every caller's key derived for it. */
  env(service: string): NodeJS.ProcessEnv;
  /** Signs the bench's own calls as `callerId`, with that caller's key. */
  sign(callerId: string): Interceptor;
}

/** Makes a fresh key (id `bench`) for every caller of the call graph: the catalogue's services and the external callers. */
export function createBenchKeys(): BenchKeys {
  const callers: string[] = [...new Set([...processes.map((p) => p.service), ...Object.values(externalCallers)])];
  const secrets = new Map(callers.map((caller) => [caller, randomBytes(32).toString("base64url")]));
  const byCaller = Object.fromEntries([...secrets].map(([caller, secret]) => [caller, { bench: secret }]));
  const secretOf = (caller: string) => {
    const secret = secrets.get(caller);
    if (!secret) throw new Error(`no bench key for caller "${caller}"`);
    return secret;
  };
  return {
    env: (service) => ({
      INTERNAL_AUTH_MODE: "hmac",
      INTERNAL_AUTH_KEY_ID: "bench",
      INTERNAL_AUTH_SECRET: secretOf(service),
      INTERNAL_AUTH_CALLER_KEYS: JSON.stringify(receiverKeys(byCaller, service)),
      INTERNAL_AUTH_KEYS: "",
      INTERNAL_AUTH_ALLOWED_CALLERS: "",
    }),
    sign: (callerId) => createInternalAuthClientInterceptor({ callerId, keyId: "bench", secret: secretOf(callerId) }),
  };
}
