import type { Kysely } from "kysely";
import { createProcessRuntime, serveProcess } from "#platform/runtime/index.js";
import { ledgerConfigFields, ledgerSettings } from "./config.js";
import type { LedgerDeps } from "./context.js";
import { startMaintenanceLoop } from "./maintenance.js";
import { createLedgerRoutes } from "./routes.js";
import type { LedgerDatabase } from "./storage/ledger.table.js";

const runtime = createProcessRuntime("ledger", { extraConfig: ledgerConfigFields });
const deps: LedgerDeps = {
  db: runtime.db as Kysely<LedgerDatabase>,
  logger: runtime.logger,
  clock: () => new Date(),
  config: ledgerSettings(runtime.config),
};
await serveProcess(runtime, createLedgerRoutes(deps));

// Hold expiry and the idempotency-key sweep; stops with the process.
const maintenance = new AbortController();
for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => maintenance.abort());
startMaintenanceLoop(deps, maintenance.signal);
