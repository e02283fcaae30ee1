/**
 * Prints fresh Secrets for a local cluster (the local overlay's hmac keys,
 * Redis password, identity's encryption key, the providers' and the audit
 * export's secrets), to pipe into kubectl; nothing is written to disk:
 *
 *   npx tsx scripts/k8s/local-secrets.ts | kubectl apply -f -
 *
 * Run it once per cluster: running it again rotates every key at once.
 */
import { stringify } from "yaml";
import { localSecrets } from "./local-secret-values.js";

process.stdout.write(localSecrets().map((secret) => `---\n${stringify(secret.toJSON(), { lineWidth: 0 })}`).join(""));
