/**
 * Names of the data services, shared by the workloads that reach them and the
 * operators' resources that make them.
 */
import type { databases } from "../../platform/mesh/catalogue.js";

type DatabaseEntry = (typeof databases)[number];

/** PgBouncer's pool mode for a database, with the reason. */
export interface PoolMode {
  readonly mode: "session" | "transaction";
  readonly reason: string;
}

/**
 * Databases whose owner holds session-level state (a session advisory lock)
 * pool by session; the rest by transaction. A test checks the services'
 * source for session advisory locks against this list.
 */
export const sessionPooled: Readonly<Record<string, string>> = {
  ledger: "the maintenance loop holds pg_try_advisory_lock on one connection for a whole pass",
  "audit-export": "the exporter's leader lock is a session advisory lock held on a connection of its own",
};

/** The CloudNativePG cluster of one service database and its pooler. */
export interface DatabaseCluster {
  /** `Cluster` name; its primary's Service is `<name>-rw`, its secret `<name>-app`. */
  readonly name: string;
  /** `Pooler` name, also its Service's. */
  readonly pooler: string;
  /** The database (the catalogue's local name). */
  readonly database: string;
  /** Its owner role. */
  readonly owner: string;
  readonly serviceOwner: string;
  readonly poolMode: PoolMode;
}

/** The cluster holding `database`. */
export function databaseClusterOf(database: DatabaseEntry): DatabaseCluster {
  const name = `${database.owner}-db`;
  const session = sessionPooled[database.owner];
  return {
    name,
    pooler: `${name}-pooler`,
    database: database.localName,
    owner: database.owner.replace(/-/g, "_"),
    serviceOwner: database.owner,
    poolMode: session
      ? { mode: "session", reason: session }
      : { mode: "transaction", reason: "only transaction-scoped locks and state: a server connection serves many clients" },
  };
}

/** The RabbitmqCluster's name: its Service and its default-user secret derive from it. */
export const RABBITMQ_CLUSTER = "wallet-rabbitmq";

/** The local overlay's Redis StatefulSet and Service. */
export const LOCAL_REDIS = "redis";
