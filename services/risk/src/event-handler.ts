/**
 * What the risk consumer does with one event, inside the transaction that
 * records it processed:
 * - a posted transfer or withdrawal is added to the velocity windows scoring
 *   reads (once, under the reference it was scored with);
 * - a posted movement at or above the high-value threshold, or posted under
 *   review, raises an alert;
 * - a device seen by identity (new-device login, registration) is remembered
 *   as first seen then;
 * - a session revoked for refresh-token reuse raises a HIGH alert.
 * Alerts come with a RiskAlertRaised through the outbox in the same
 * transaction. Other events change nothing (among them AdjustmentPosted: a
 * staff correction, not a movement of the user's).
 */
import type { Transaction } from "kysely";
import type { EventEnvelope } from "#gen/wallet/events/v1/envelope_pb.js";
import { alertForMovement } from "./domain/alert.js";
import { alertForSessionRevoked } from "./domain/identity-alerts.js";
import { velocityEntryOf } from "./domain/posted-movement.js";
import { identityFactOf } from "./identity-events.js";
import { movementOf } from "./ledger-events.js";
import { raiseAlert } from "./raise-alert.js";
import type { RulesCache } from "./rules-cache.js";
import type { RiskDatabase } from "./storage/risk.table.js";
import type { VelocityStore } from "./storage/velocity-store.js";

/** The consumer name in `processed_events`, `dead_letter_events` and the metrics. */
export const RISK_CONSUMER_NAME = "ops-risk";

/** What the handler needs. */
export interface RiskEventHandlerDeps {
  readonly rules: RulesCache;
  /** The velocity store of the risk API (same Redis, same key prefix). */
  readonly velocity: VelocityStore;
  /** High-value threshold (minor units) for currencies without an AMOUNT_THRESHOLD rule. */
  readonly fallbackThresholdMinor: bigint;
  readonly clock: () => Date;
}

/** The consumer's `handle`: effects in `trx`, the transaction that records the event processed. */
export function createRiskEventHandler(deps: RiskEventHandlerDeps): (envelope: EventEnvelope, trx: Transaction<any>) => Promise<void> {
  return async (envelope, trx) => {
    const db = trx as Transaction<RiskDatabase>;
    // Redis writes are not rolled back with `trx`; a retry repeats them harmlessly (ZADD NX, SADD, SET NX).
    const movement = movementOf(envelope);
    if (movement) {
      const entry = velocityEntryOf(movement, deps.clock());
      if (entry) await deps.velocity.observePosted(entry, entry.at);
      const { rules } = await deps.rules.current();
      const raised = alertForMovement(movement, rules, deps.fallbackThresholdMinor, envelope.eventId);
      if (raised) await raiseAlert(db, raised, envelope, deps.clock());
      return;
    }
    const fact = identityFactOf(envelope);
    if (fact?.kind === "DEVICE_SEEN") await deps.velocity.rememberDevice(fact.deviceId, fact.seenAt ?? deps.clock());
    if (fact?.kind === "SESSION_REVOKED") {
      const raised = alertForSessionRevoked(fact, envelope.eventId);
      if (raised) await raiseAlert(db, raised, envelope, deps.clock());
    }
  };
}
