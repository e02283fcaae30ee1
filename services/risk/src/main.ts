import type { Kysely } from "kysely";
import { createProcessRuntime, serveProcess } from "#platform/runtime/index.js";
import { riskConfigFields, riskSettings } from "./config.js";
import { riskConsumerConfigFields } from "./consumer-config.js";
import { createRiskDeps } from "./create-deps.js";
import { createRiskRoutes } from "./routes.js";
import type { RiskDatabase } from "./storage/risk.table.js";

const runtime = createProcessRuntime("risk", {
  extraConfig: { ...riskConfigFields, RISK_CONSUMER_QUEUE: riskConsumerConfigFields.RISK_CONSUMER_QUEUE },
});
const deps = createRiskDeps({
  db: runtime.db as Kysely<RiskDatabase>,
  redis: runtime.redis,
  logger: runtime.logger,
  settings: riskSettings(runtime.config),
  registry: runtime.metrics.registry,
  deadLetterReplay: { amqpUrl: runtime.config.AMQP_URL, queue: runtime.config.RISK_CONSUMER_QUEUE },
});
await serveProcess(runtime, createRiskRoutes(deps));

// Rules and blocklist reload so changes on other replicas apply within seconds; stops with the process.
const refreshing = new AbortController();
for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => refreshing.abort());
deps.rules.startRefreshing(deps.config.rulesRefreshMs, refreshing.signal);
