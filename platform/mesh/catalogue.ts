/**
 * The mesh at a glance: every process, the ports it listens on by default and
 * the database it owns. The start script, the migration command, the isolation
 * check and the README's tables are all derived from this one list.
 */

/** A long-running process of the mesh. */
export interface ProcessEntry {
  /** Process name, also the log prefix and the metrics `service` label. */
  readonly name: string;
  /** Folder under services/ holding the code. */
  readonly service: ServiceName;
  /** Entry point, relative to the service folder. */
  readonly entry: string;
  /** gRPC port (gRPC, gRPC-Web and Connect on one port); absent for workers. */
  readonly grpcPort?: number;
  /** Admin HTTP port: /healthz, /readyz, /metrics. */
  readonly adminPort: number;
  /** Environment variable naming the database this process uses, if any. */
  readonly databaseEnv?: DatabaseEnv;
  /** One line for the README and the start-up table. */
  readonly summary: string;
}

export type ServiceName =
  | "gateway"
  | "identity"
  | "ledger"
  | "risk"
  | "notification"
  | "mobile-bff"
  | "backoffice"
  | "audit-export";

/** The per-service database variables named by the architecture brief. */
export type DatabaseEnv =
  | "IDENTITY_DATABASE_URL"
  | "LEDGER_DATABASE_URL"
  | "OPS_RISK_DATABASE_URL"
  | "NOTIFICATION_DATABASE_URL"
  | "BACKOFFICE_DATABASE_URL"
  | "AUDIT_EXPORT_DATABASE_URL";

/** Databases and the service that owns (and migrates) each one. */
export const databases: ReadonlyArray<{
  readonly env: DatabaseEnv;
  readonly owner: ServiceName;
  /** Database name used by `npm start` and the examples. */
  readonly localName: string;
}> = [
  { env: "IDENTITY_DATABASE_URL", owner: "identity", localName: "wallet_identity" },
  { env: "LEDGER_DATABASE_URL", owner: "ledger", localName: "wallet_ledger" },
  { env: "OPS_RISK_DATABASE_URL", owner: "risk", localName: "wallet_ops_risk" },
  { env: "NOTIFICATION_DATABASE_URL", owner: "notification", localName: "wallet_notification" },
  { env: "BACKOFFICE_DATABASE_URL", owner: "backoffice", localName: "wallet_backoffice" },
  { env: "AUDIT_EXPORT_DATABASE_URL", owner: "audit-export", localName: "wallet_audit_export" },
];

/** Every process `npm start` runs, in start order. */
export const processes: readonly ProcessEntry[] = [
  { name: "identity", service: "identity", entry: "src/main.ts", grpcPort: 8081, adminPort: 9081, databaseEnv: "IDENTITY_DATABASE_URL", summary: "sign-up, login, MFA, devices, sessions, JWKS" },
  { name: "ledger", service: "ledger", entry: "src/main.ts", grpcPort: 8082, adminPort: 9082, databaseEnv: "LEDGER_DATABASE_URL", summary: "double-entry ledger, balances, transfers, holds" },
  { name: "risk", service: "risk", entry: "src/main.ts", grpcPort: 8083, adminPort: 9083, databaseEnv: "OPS_RISK_DATABASE_URL", summary: "real-time scoring, velocity checks, alerts" },
  { name: "notification", service: "notification", entry: "src/main.ts", grpcPort: 8084, adminPort: 9084, databaseEnv: "NOTIFICATION_DATABASE_URL", summary: "preferences and notification history" },
  { name: "mobile-bff", service: "mobile-bff", entry: "src/main.ts", grpcPort: 8085, adminPort: 9085, summary: "mobile bootstrap, onboarding, balance, statement" },
  { name: "backoffice", service: "backoffice", entry: "src/main.ts", grpcPort: 8086, adminPort: 9086, databaseEnv: "BACKOFFICE_DATABASE_URL", summary: "staff operations under RBAC, audit log" },
  { name: "gateway", service: "gateway", entry: "src/main.ts", grpcPort: 8080, adminPort: 9080, summary: "REST edge for mobile apps and backoffice" },
  { name: "ledger-outbox-relay", service: "ledger", entry: "src/outbox-relay.ts", adminPort: 9087, databaseEnv: "LEDGER_DATABASE_URL", summary: "publishes ledger events to RabbitMQ" },
  { name: "identity-outbox-relay", service: "identity", entry: "src/outbox-relay.ts", adminPort: 9091, databaseEnv: "IDENTITY_DATABASE_URL", summary: "publishes identity events to RabbitMQ" },
  { name: "risk-outbox-relay", service: "risk", entry: "src/outbox-relay.ts", adminPort: 9092, databaseEnv: "OPS_RISK_DATABASE_URL", summary: "publishes risk alerts to RabbitMQ" },
  { name: "risk-consumer", service: "risk", entry: "src/consumer.ts", adminPort: 9088, databaseEnv: "OPS_RISK_DATABASE_URL", summary: "consumes ledger and identity events" },
  { name: "notification-consumer", service: "notification", entry: "src/consumer.ts", adminPort: 9093, databaseEnv: "NOTIFICATION_DATABASE_URL", summary: "turns identity, ledger and risk events into queued notifications" },
  { name: "notification-delivery", service: "notification", entry: "src/delivery.ts", adminPort: 9089, databaseEnv: "NOTIFICATION_DATABASE_URL", summary: "delivers email, SMS and push" },
  { name: "audit-export", service: "audit-export", entry: "src/main.ts", adminPort: 9090, databaseEnv: "AUDIT_EXPORT_DATABASE_URL", summary: "exports the audit log to a SIEM webhook" },
];

/** Looks a process up by name; throws on a name that is not in the catalogue. */
export function processByName(name: string): ProcessEntry {
  const entry = processes.find((p) => p.name === name);
  if (!entry) throw new Error(`unknown process "${name}"`);
  return entry;
}
