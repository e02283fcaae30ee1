import { randomBytes } from "node:crypto";
import { withDatabase } from "../../platform/db/index.js";
import { parseCallerKeys, receiverKeys, type CallerKeys } from "../../platform/internal-auth/index.js";
import { callersOfProcess } from "../../platform/mesh/call-graph.js";
import { databases, processes, type ProcessEntry } from "../../platform/mesh/catalogue.js";
import { upstreamUrlVariable } from "../../platform/mesh/upstreams.js";
import type { Infrastructure } from "../../platform/testing/infrastructure.js";

/** The name of the mesh on the catalogue's own ports; it keeps every service's default names. */
export const DEFAULT_MESH_NAME = "wallet";

/** Which mesh `npm start` runs: its name and how far its ports are shifted. */
export interface MeshIdentity {
  /** Names its databases, Redis keys and RabbitMQ exchange and queues. */
  readonly name: string;
  readonly offset: number;
}

/**
 * Reads `PORT_OFFSET` and `MESH_NAME`. A mesh on shifted ports without a name
 * of its own is `wallet-<offset>`, so a second mesh is separate by default.
 * @throws Error naming the variable when one is malformed.
 */
export function meshIdentityFromEnv(env: NodeJS.ProcessEnv): MeshIdentity {
  const rawOffset = env.PORT_OFFSET ?? "0";
  const offset = Number(rawOffset);
  if (!/^\d+$/.test(rawOffset) || offset > 50_000) {
    throw new Error(`PORT_OFFSET must be a whole number from 0 to 50000, got "${rawOffset}"`);
  }
  const name = env.MESH_NAME || (offset === 0 ? DEFAULT_MESH_NAME : `${DEFAULT_MESH_NAME}-${offset}`);
  if (!/^[a-z][a-z0-9-]{0,39}$/.test(name)) {
    throw new Error(`MESH_NAME must be 1-40 lower-case letters, digits or dashes, starting with a letter, got "${name}"`);
  }
  return { name, offset };
}

/** Ports of one process after `PORT_OFFSET` is applied. */
export interface ProcessPorts {
  readonly grpcPort?: number;
  readonly adminPort: number;
}

/** The ports each process listens on: the catalogue's defaults shifted by `offset`. */
export function portsOf(entry: ProcessEntry, offset: number): ProcessPorts {
  return {
    grpcPort: entry.grpcPort === undefined ? undefined : entry.grpcPort + offset,
    adminPort: entry.adminPort + offset,
  };
}

/** A catalogue database's name in mesh `name`: `wallet_ledger` in the default mesh, `blue_ledger` in `blue`. */
export function meshDatabaseName(localName: string, name: string): string {
  return name === DEFAULT_MESH_NAME ? localName : localName.replace(/^wallet_/, `${name.replace(/-/g, "_")}_`);
}

/**
 * Every name under which a process keeps state on the shared Redis and
 * RabbitMQ, as mesh `name` sets it. The default mesh sets none: each service's
 * own default applies. A test scans the services' config for such variables
 * (`*_REDIS_PREFIX`, `*_EXCHANGE`, `*_QUEUE`) and fails when one is missing here.
 */
export function meshStateNames(name: string): Record<string, string> {
  if (name === DEFAULT_MESH_NAME) return {};
  const exchange = `${name}.events`;
  return {
    IDENTITY_REDIS_PREFIX: `${name}:identity:`,
    RISK_REDIS_PREFIX: `${name}:risk:`,
    NOTIFICATION_REDIS_PREFIX: `${name}:notification:`,
    GATEWAY_REDIS_PREFIX: `${name}:gateway:`,
    BFF_REDIS_PREFIX: `${name}:mobile-bff:`,
    // One list for identity (the writer), the edge and the BFF (the readers).
    SESSION_REVOCATION_REDIS_PREFIX: `${name}:`,
    OUTBOX_EXCHANGE: exchange,
    RISK_CONSUMER_EXCHANGE: exchange,
    NOTIFICATION_CONSUMER_EXCHANGE: exchange,
    RISK_CONSUMER_QUEUE: `${name}.risk.ledger-events`,
    NOTIFICATION_CONSUMER_QUEUE: `${name}.notification.events`,
  };
}

/**
 * The environment shared by every process of a local mesh: one database per
 * service (the user's own *_DATABASE_URL wins), the resolved Redis and
 * RabbitMQ with the mesh's own key prefixes, exchange and queues, every
 * service's upstream URL and identity's key set on the mesh's ports, and
 * internal auth in hmac mode. No keys: each process's own are added by
 * {@link internalAuthEnvOf}.
 */
export function sharedMeshEnv(infra: Infrastructure, userEnv: NodeJS.ProcessEnv, mesh: MeshIdentity): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: userEnv.NODE_ENV ?? "development",
    REDIS_URL: infra.redisUrl,
    AMQP_URL: infra.amqpUrl,
    INTERNAL_AUTH_MODE: userEnv.INTERNAL_AUTH_MODE ?? "hmac",
  };
  for (const [variable, value] of Object.entries(meshStateNames(mesh.name))) env[variable] = userEnv[variable] || value;
  for (const database of databases) {
    env[database.env] = userEnv[database.env] || withDatabase(infra.postgresUrl, meshDatabaseName(database.localName, mesh.name));
  }
  for (const entry of processes) {
    const { grpcPort } = portsOf(entry, mesh.offset);
    if (grpcPort !== undefined && entry.name === entry.service) {
      const variable = upstreamUrlVariable(entry.service);
      // A URL of the user's own wins (a proxy in front of the service, say); the service still listens on its port.
      env[variable] = userEnv[variable] || `http://127.0.0.1:${grpcPort}`;
    }
  }
  // Tokens name the issuer where this mesh's identity actually listens, and are checked against its keys.
  env.IDENTITY_ISSUER = userEnv.IDENTITY_ISSUER ?? env.IDENTITY_URL;
  env.IDENTITY_JWKS_URL = userEnv.IDENTITY_JWKS_URL ?? `${env.IDENTITY_URL}/.well-known/jwks.json`;
  return env;
}

/**
 * The secrets of a local mesh, by caller then key id: one per process, made
 * for this run, with the process's name as key id, under the caller id it
 * signs as (its service: `ledger` holds the secrets of `ledger` and
 * `ledger-outbox-relay`). Secrets in the user's own INTERNAL_AUTH_CALLER_KEYS
 * join them (callers outside the mesh, such as `payments`, or a test's key
 * for a caller); a key id of theirs wins. No process is given another's
 * secret: see {@link internalAuthEnvOf}.
 * @throws Error naming INTERNAL_AUTH_CALLER_KEYS when the user's value is malformed.
 */
export function meshCallerSecrets(entries: readonly ProcessEntry[], userEnv: NodeJS.ProcessEnv): CallerKeys {
  let own: CallerKeys;
  try {
    own = parseCallerKeys(userEnv.INTERNAL_AUTH_CALLER_KEYS ?? "");
  } catch (err) {
    throw new Error(`INTERNAL_AUTH_CALLER_KEYS: ${(err as Error).message}`);
  }
  const secrets: Record<string, Record<string, string>> = {};
  for (const entry of entries) (secrets[entry.service] ??= {})[entry.name] = randomBytes(32).toString("base64url");
  for (const [caller, byId] of Object.entries(own)) secrets[caller] = { ...secrets[caller], ...byId };
  return secrets;
}

/** The internal-auth variables of one process of a mesh. */
export interface InternalAuthEnv {
  readonly INTERNAL_AUTH_KEY_ID: string;
  readonly INTERNAL_AUTH_SECRET: string;
  readonly INTERNAL_AUTH_CALLER_KEYS: string;
}

/**
 * The internal-auth variables of `entry` in a mesh whose secrets are
 * `secrets`: INTERNAL_AUTH_KEY_ID (the process's name) and its own
 * INTERNAL_AUTH_SECRET, which replace any of the user's (one secret for every
 * process would let each sign as any other); and, for a process serving gRPC,
 * INTERNAL_AUTH_CALLER_KEYS holding only the keys derived for its service
 * from the secrets of the callers the call graph lets call it. A process that
 * serves nothing holds no key but its own.
 */
export function internalAuthEnvOf(secrets: CallerKeys, entry: ProcessEntry): InternalAuthEnv {
  const secret = secrets[entry.service]?.[entry.name];
  if (secret === undefined) throw new Error(`the mesh has no secret "${entry.name}" of caller "${entry.service}"`);
  const callers = callersOfProcess(entry.service);
  const accepted = entry.grpcPort === undefined || callers.length === 0 ? {} : receiverKeys(secrets, entry.service, callers);
  return { INTERNAL_AUTH_KEY_ID: entry.name, INTERNAL_AUTH_SECRET: secret, INTERNAL_AUTH_CALLER_KEYS: JSON.stringify(accepted) };
}
