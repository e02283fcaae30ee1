import type { Kysely } from "kysely";
import { createServiceClient } from "#platform/clients/index.js";
import { createProcessRuntime, serveProcess } from "#platform/runtime/index.js";
import { RiskService } from "#gen/wallet/risk/v1/risk_service_pb.js";
import { ledgerConfigFields, ledgerSettings, riskScoringSettings } from "./config.js";
import type { LedgerDeps } from "./context.js";
import { startMaintenanceLoop } from "./maintenance.js";
import { createRiskScorer } from "./risk/risk-scorer.js";
import { createLedgerRoutes } from "./routes.js";
import type { LedgerDatabase } from "./storage/ledger.table.js";

const runtime = createProcessRuntime("ledger", { extraConfig: ledgerConfigFields });
const { config } = runtime;

function riskScreening(): LedgerDeps["risk"] {
  if (!config.LEDGER_RISK_SCORING) {
    runtime.logger.warn("LEDGER_RISK_SCORING is off: user-initiated movements are posted without risk scoring");
    return undefined;
  }
  const settings = riskScoringSettings(config);
  const client = createServiceClient(RiskService, { baseUrl: config.RISK_URL, internalAuth: runtime.internalAuth.clientInterceptor });
  return { scorer: createRiskScorer(client, settings.scorer, runtime.logger, runtime.metrics.registry), policy: settings.policy };
}

const deps: LedgerDeps = {
  db: runtime.db as Kysely<LedgerDatabase>,
  logger: runtime.logger,
  clock: () => new Date(),
  config: ledgerSettings(config),
  risk: riskScreening(),
  registry: runtime.metrics.registry,
};
await serveProcess(runtime, createLedgerRoutes(deps));

// Hold expiry and the idempotency-key sweep; stops with the process.
const maintenance = new AbortController();
for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => maintenance.abort());
startMaintenanceLoop(deps, maintenance.signal);
