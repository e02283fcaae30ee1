import type { Kysely, Selectable } from "kysely";
import { RiskError } from "../domain/risk-error.js";
import { isVelocityWindow, type Rule, type RuleKind, type StoredRule } from "../domain/rules.js";
import type { RiskDatabase, RiskRulesTable } from "./risk.table.js";

/** A row as a domain rule. */
function toRule(row: Selectable<RiskRulesTable>): StoredRule {
  const windowMs = row.window_ms === null ? undefined : Number(row.window_ms);
  return {
    id: row.id,
    kind: row.kind as RuleKind,
    description: row.description,
    scope: (row.scope ?? undefined) as StoredRule["scope"],
    windowMs: windowMs !== undefined && isVelocityWindow(windowMs) ? windowMs : undefined,
    currency: row.currency,
    thresholdMinor: row.threshold_minor ?? undefined,
    thresholdCount: row.threshold_count ?? undefined,
    marginBps: row.margin_bps ?? undefined,
    deviceAgeMs: row.device_age_ms === null ? undefined : Number(row.device_age_ms),
    transactionKinds: row.transaction_kinds as StoredRule["transactionKinds"],
    decision: row.decision as StoredRule["decision"],
    score: row.score,
    enabled: row.enabled,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Every rule, by id (the scoring cache's source). */
export async function listAllRules(db: Kysely<RiskDatabase>): Promise<StoredRule[]> {
  const rows = await db.selectFrom("risk_rules").selectAll().orderBy("id").execute();
  return rows.map(toRule);
}

/** A page of rules by id, after `afterId`, optionally filtered. */
export async function listRules(
  db: Kysely<RiskDatabase>,
  filter: { kind?: RuleKind; enabledOnly: boolean; afterId?: string; limit: number },
): Promise<StoredRule[]> {
  let query = db.selectFrom("risk_rules").selectAll().orderBy("id").limit(filter.limit);
  if (filter.kind) query = query.where("kind", "=", filter.kind);
  if (filter.enabledOnly) query = query.where("enabled", "=", true);
  if (filter.afterId !== undefined) query = query.where("id", ">", filter.afterId);
  return (await query.execute()).map(toRule);
}

/**
 * Creates the rule or replaces the one with its id, bumping the version.
 * Errors: VERSION_MISMATCH when `expectedVersion` is non-zero and differs
 * from the stored version (or there is no stored rule).
 */
export async function upsertRule(db: Kysely<RiskDatabase>, rule: Rule, expectedVersion: bigint, now: Date): Promise<StoredRule> {
  return db.transaction().execute(async (trx) => {
    const current = await trx.selectFrom("risk_rules").select("version").where("id", "=", rule.id).forUpdate().executeTakeFirst();
    if (expectedVersion !== 0n && current?.version !== expectedVersion) {
      throw new RiskError("VERSION_MISMATCH", `rule ${rule.id}: stored version is ${current?.version ?? "none"}, not ${expectedVersion}`, {
        rule_id: rule.id,
      });
    }
    const values = {
      kind: rule.kind,
      description: rule.description,
      scope: rule.scope ?? null,
      window_ms: rule.windowMs === undefined ? null : BigInt(rule.windowMs),
      currency: rule.currency,
      threshold_minor: rule.thresholdMinor ?? null,
      threshold_count: rule.thresholdCount ?? null,
      margin_bps: rule.marginBps ?? null,
      device_age_ms: rule.deviceAgeMs === undefined ? null : BigInt(rule.deviceAgeMs),
      transaction_kinds: [...rule.transactionKinds],
      decision: rule.decision,
      score: rule.score,
      enabled: rule.enabled,
      updated_at: now,
    };
    const row = current
      ? await trx
          .updateTable("risk_rules")
          .set({ ...values, version: current.version + 1n })
          .where("id", "=", rule.id)
          .returningAll()
          .executeTakeFirstOrThrow()
      : await trx
          .insertInto("risk_rules")
          .values({ id: rule.id, ...values, version: 1n, created_at: now })
          .returningAll()
          .executeTakeFirstOrThrow();
    return toRule(row);
  });
}

/** Deletes a rule. Errors: RULE_NOT_FOUND. */
export async function deleteRule(db: Kysely<RiskDatabase>, id: string): Promise<void> {
  const result = await db.deleteFrom("risk_rules").where("id", "=", id).executeTakeFirst();
  if (result.numDeletedRows === 0n) throw new RiskError("RULE_NOT_FOUND", `rule ${id} does not exist`, { rule_id: id });
}
