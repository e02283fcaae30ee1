export { createDb, closeDb, installTypeParsers, type CreateDbOptions } from "./create-db.js";
export { ensureDatabase, dropDatabase, databaseNameOf, withDatabase } from "./ensure-database.js";
export { migrateToLatest, isMigrationFile, type MigrateOptions } from "./migrate.js";
export { withSearchPath, checkSchemaName } from "./search-path.js";
export { migrateServiceDatabase, type ServiceMigrationResult } from "./migrate-service.js";
export { dbReadinessCheck } from "./readiness.js";
export {
  PgErrorCode,
  isUniqueViolation,
  isSerializationFailure,
  isDeadlock,
  isRetryableTransactionError,
  isDataException,
} from "./errors.js";
export {
  LOCAL_POSTGRES_URL,
  localDatabaseUrl,
  databaseEntry,
  resolveDatabaseUrl,
  sharedDatabaseUrl,
  sharedDatabaseFallback,
  AUDIT_EXPORT_SHARED_SCHEMA,
  type ResolvedDatabaseUrl,
  type DatabaseEntry,
  type DatabaseUrlSource,
} from "./database-url.js";
export {
  findIsolationViolations,
  assertDatabaseIsolation,
  isolationMode,
  databaseIdentity,
  describeViolation,
  databaseIsolationConfigSchema,
  type IsolationMode,
  type IsolationViolation,
} from "./isolation.js";
