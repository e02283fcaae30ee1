/**
 * Each process's whole configuration schema: the mesh's (ports, logging,
 * Redis, RabbitMQ, internal auth, its database) extended with the fields its
 * entry point passes to `createProcessRuntime` as `extraConfig`. The
 * generator sets a variable for a process only when this schema reads it, and
 * a test parses every overlay's environment with it. A test also checks that
 * each entry point names the fields listed here, so a new field set is not
 * forgotten.
 */
import type { z } from "zod";
import { outboxRelayConfigShape } from "../../platform/outbox/relay-config.js";
import { meshProcessConfigSchema } from "../../platform/runtime/process-config.js";
import type { ProcessEntry } from "../../platform/mesh/catalogue.js";
import { auditExportConfigFields } from "../../services/audit-export/src/config.js";
import { backofficeConfigFields } from "../../services/backoffice/src/config.js";
import { gatewayConfigFields } from "../../services/gateway/src/config.js";
import { protectionsConfigShape } from "../../services/gateway/src/protections/config.js";
import { identityConfigFields } from "../../services/identity/src/config.js";
import { ledgerConfigFields } from "../../services/ledger/src/config.js";
import { bffConfigFields } from "../../services/mobile-bff/src/config.js";
import { notificationConsumerConfigFields } from "../../services/notification/src/consumer-config.js";
import { deliveryConfigFields } from "../../services/notification/src/delivery/delivery-config.js";
import { riskConfigFields } from "../../services/risk/src/config.js";
import { riskConsumerConfigFields } from "../../services/risk/src/consumer-config.js";

/** A process's extra fields, and the names its entry point (or the module it runs) uses for them. */
interface ExtraConfig {
  readonly shape: z.ZodRawShape;
  /** Identifiers that appear in `file` where it builds its runtime. */
  readonly names: readonly string[];
  /** The file, relative to the repository, that passes them to createProcessRuntime. */
  readonly file: string;
}

/** Every outbox relay runs `runOutboxRelayProcess`, which adds the OUTBOX_* fields. */
const relay: ExtraConfig = { shape: outboxRelayConfigShape, names: ["outboxRelayConfigShape"], file: "platform/outbox/run-relay-process.ts" };

/** By process name. */
export const extraConfigs: Readonly<Record<string, ExtraConfig>> = {
  identity: { shape: identityConfigFields, names: ["identityConfigFields"], file: "services/identity/src/main.ts" },
  ledger: { shape: ledgerConfigFields, names: ["ledgerConfigFields"], file: "services/ledger/src/main.ts" },
  risk: {
    shape: { ...riskConfigFields, RISK_CONSUMER_QUEUE: riskConsumerConfigFields.RISK_CONSUMER_QUEUE },
    names: ["riskConfigFields", "RISK_CONSUMER_QUEUE: riskConsumerConfigFields.RISK_CONSUMER_QUEUE"],
    file: "services/risk/src/main.ts",
  },
  notification: { shape: {}, names: ['createProcessRuntime("notification")'], file: "services/notification/src/main.ts" },
  "mobile-bff": { shape: bffConfigFields, names: ["bffConfigFields"], file: "services/mobile-bff/src/main.ts" },
  backoffice: { shape: backofficeConfigFields, names: ["backofficeConfigFields"], file: "services/backoffice/src/main.ts" },
  gateway: { shape: { ...gatewayConfigFields, ...protectionsConfigShape }, names: ["gatewayConfigFields", "protectionsConfigShape"], file: "services/gateway/src/main.ts" },
  "ledger-outbox-relay": relay,
  "identity-outbox-relay": relay,
  "risk-outbox-relay": relay,
  "risk-consumer": { shape: riskConsumerConfigFields, names: ["riskConsumerConfigFields"], file: "services/risk/src/consumer.ts" },
  "notification-consumer": { shape: notificationConsumerConfigFields, names: ["notificationConsumerConfigFields"], file: "services/notification/src/consumer.ts" },
  "notification-delivery": { shape: deliveryConfigFields, names: ["deliveryConfigFields"], file: "services/notification/src/delivery.ts" },
  "audit-export": { shape: auditExportConfigFields, names: ["auditExportConfigFields"], file: "services/audit-export/src/main.ts" },
};

/** The schema `entry`'s process reads its environment with. */
export function processConfigSchema(entry: ProcessEntry) {
  const extra = extraConfigs[entry.name];
  if (!extra) throw new Error(`scripts/k8s/process-config.ts does not know the configuration of process "${entry.name}"`);
  return meshProcessConfigSchema(entry).extend(extra.shape);
}

/** Whether `entry`'s process reads `variable`. */
export function readsVariable(entry: ProcessEntry, variable: string): boolean {
  return variable in processConfigSchema(entry).shape;
}
