import { randomBytes } from "node:crypto";
import { localDatabaseUrl } from "../../platform/db/index.js";
import { databases, processes, type ProcessEntry } from "../../platform/mesh/catalogue.js";
import { upstreamUrlVariable } from "../../platform/mesh/upstreams.js";
import type { Infrastructure } from "../../platform/testing/infrastructure.js";

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

/**
 * The environment shared by every process of a local mesh: one database per
 * service (the user's own *_DATABASE_URL wins), the resolved Redis and
 * RabbitMQ, every service's upstream URL, and internal auth in hmac mode with
 * a secret made for this run (never printed).
 */
export function sharedMeshEnv(infra: Infrastructure, userEnv: NodeJS.ProcessEnv, offset: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: userEnv.NODE_ENV ?? "development",
    REDIS_URL: infra.redisUrl,
    AMQP_URL: infra.amqpUrl,
    INTERNAL_AUTH_MODE: userEnv.INTERNAL_AUTH_MODE ?? "hmac",
    INTERNAL_AUTH_SECRET: userEnv.INTERNAL_AUTH_SECRET ?? randomBytes(32).toString("base64url"),
  };
  for (const database of databases) {
    env[database.env] = userEnv[database.env] || localDatabaseUrl(database, infra.postgresUrl);
  }
  for (const entry of processes) {
    const { grpcPort } = portsOf(entry, offset);
    if (grpcPort !== undefined && entry.name === entry.service) {
      env[upstreamUrlVariable(entry.service)] = `http://127.0.0.1:${grpcPort}`;
    }
  }
  // Tokens name the issuer where this mesh's identity actually listens.
  env.IDENTITY_ISSUER = userEnv.IDENTITY_ISSUER ?? env.IDENTITY_URL;
  return env;
}
