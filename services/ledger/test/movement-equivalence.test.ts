/**
 * Property: ledger_post_movements (migration 0007) follows the TypeScript
 * rules (applyMovement). Random sequences of top-ups, withdrawals,
 * transfers, refunds and adjustments, cut into random batches, are posted
 * to the database (each batch in one call, as group commit does) and
 * applied one by one to an in-memory ledger; every movement must get the
 * same outcome (posted with the same posting and balances after, or refused
 * with the same reason, message and metadata), and in the end every balance
 * must be equal.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { Kysely } from "kysely";
import { AccountKind } from "#gen/wallet/ledger/v1/account_pb.js";
import { AdjustmentReason, EntryDirection } from "#gen/wallet/ledger/v1/transaction_pb.js";
import type { Account, Balance } from "../src/domain/accounts.js";
import { applyMovement, type LedgerState, type MovementDecision } from "../src/domain/apply-movement.js";
import type { LedgerError } from "../src/domain/ledger-error.js";
import { adjustmentMetadata } from "../src/domain/adjustments.js";
import type { Movement } from "../src/domain/movement.js";
import { toAccount } from "../src/storage/accounts.repository.js";
import { toBalance } from "../src/storage/journal.repository.js";
import type { LedgerDatabase } from "../src/storage/ledger.table.js";
import { postMovements, type MovementOutcome } from "../src/storage/movements.repository.js";
import { eur, key, openWallet, useLedger, type LedgerClient } from "./support/ledger-harness.js";

const ledger = useLedger();

/** The accounts of one run, by role. */
interface RunAccounts {
  readonly wallets: string[];
  readonly usdWallet: string;
  readonly frozen: string;
  readonly closed: string;
  readonly fees: string;
  readonly refunds: string;
  readonly ghost: string;
}

/** Opens a run's accounts: four funded EUR wallets, a USD one, a frozen and a closed one, a fees and a refunds account. */
async function openRun(client: LedgerClient, staff: LedgerClient, payments: LedgerClient): Promise<RunAccounts> {
  const wallets = await Promise.all([0, 1, 2, 3].map(() => openWallet(client)));
  for (const [i, wallet] of wallets.entries()) {
    if (i < 3) await payments.topUp({ accountId: wallet, amount: eur(200 * (i + 1)), idempotencyKey: key() });
  }
  const usdWallet = await openWallet(client, "USD");
  const frozen = await openWallet(client);
  await payments.topUp({ accountId: frozen, amount: eur(100), idempotencyKey: key() });
  await staff.freezeAccount({ accountId: frozen, reason: "test", idempotencyKey: key() });
  const closed = await openWallet(client);
  await staff.closeAccount({ accountId: closed, reason: "test", idempotencyKey: key() });
  const system = async (kind: AccountKind) =>
    (await staff.openAccount({ kind, currency: "EUR", allowNegative: kind === AccountKind.SYSTEM_REFUNDS, label: "t", idempotencyKey: key() })).account!.id;
  return { wallets, usdWallet, frozen, closed, fees: await system(AccountKind.SYSTEM_FEES), refunds: await system(AccountKind.SYSTEM_REFUNDS), ghost: randomUUID() };
}

/** The database's state of the run's accounts and the currency defaults, for the model. */
async function loadState(db: Kysely<LedgerDatabase>): Promise<LedgerState> {
  const accounts = (await db.selectFrom("accounts").selectAll().execute()).map(toAccount);
  const balances = (await db.selectFrom("balances").selectAll().execute()).map(toBalance);
  const defaults = new Map(accounts.filter((a) => a.kind !== "USER_WALLET" && a.label.startsWith("default-")).map((a) => [`${a.kind} ${a.currency}`, a.id]));
  return {
    accounts: new Map<string, Account>(accounts.map((a) => [a.id, a])),
    balances: new Map<string, Balance>(balances.map((b) => [b.accountId, b])),
    transactions: new Map(),
    refunded: new Map(),
    defaults,
  };
}

/** A command of the generated sequence: indexes into the run's accounts and earlier transactions. */
type Command =
  | { op: "topUp"; to: number; amount: number }
  | { op: "withdraw"; from: number; amount: number }
  | { op: "transfer"; from: number; to: number; amount: number; currency: "EUR" | "USD" }
  | { op: "refund"; of: number; amount: number | null; funded: boolean; usd: boolean }
  | { op: "adjust"; account: number; credit: boolean; amount: number };

const amount = fc.integer({ min: 1, max: 400 });
/** Mostly the funded wallets, sometimes any account of the run (USD, frozen, closed, system, unknown). */
const party = fc.oneof({ arbitrary: fc.integer({ min: 0, max: 3 }), weight: 3 }, { arbitrary: fc.integer({ min: 0, max: 9 }), weight: 1 });
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ op: fc.constant("topUp" as const), to: party, amount }),
  fc.record({ op: fc.constant("withdraw" as const), from: party, amount }),
  fc.record({ op: fc.constant("transfer" as const), from: party, to: party, amount, currency: fc.constantFrom("EUR" as const, "EUR" as const, "USD" as const) }),
  fc.record({ op: fc.constant("transfer" as const), from: party, to: party, amount, currency: fc.constant("EUR" as const) }),
  fc.record({ op: fc.constant("refund" as const), of: fc.integer({ min: 0, max: 30 }), amount: fc.option(fc.oneof(fc.integer({ min: 1, max: 60 }), amount), { nil: null }), funded: fc.boolean(), usd: fc.integer({ min: 0, max: 3 }).map((n) => n === 0) }),
  fc.record({ op: fc.constant("adjust" as const), account: party, credit: fc.boolean(), amount }),
);
/** Commands, and where each batch ends (a batch boundary after command i when cuts[i]). */
const scenario = fc.array(command, { minLength: 1, maxLength: 30 }).chain((commands) =>
  fc.record({ commands: fc.constant(commands), cuts: fc.array(fc.boolean(), { minLength: commands.length, maxLength: commands.length }) }),
);

/** Party index → account id: four wallets, USD, frozen, closed, fees, refunds, unknown. */
function accountAt(run: RunAccounts, index: number): string {
  return [...run.wallets, run.usdWallet, run.frozen, run.closed, run.fees, run.refunds, run.ghost][index]!;
}

/** Transactions posted so far: refund targets, transfers most of the time. */
interface Posted {
  readonly transfers: string[];
  readonly others: string[];
}

/** The transaction a refund command names: mostly a transfer, sometimes another kind or an unknown id. */
function refundTarget(posted: Posted, of: number): string {
  if (of < 20 && posted.transfers.length > 0) return posted.transfers[of % posted.transfers.length]!;
  if (of < 26 && posted.others.length > 0) return posted.others[of % posted.others.length]!;
  return randomUUID();
}

/** The movement of a command, given the transactions posted so far. */
function movementOf(run: RunAccounts, c: Command, posted: Posted): Movement {
  const money = (n: number, currency = "EUR") => ({ amountMinor: BigInt(n), currency });
  switch (c.op) {
    case "topUp":
      return { kind: "TOP_UP", accountId: accountAt(run, c.to), amount: money(c.amount), externalReference: "ext", description: "top-up", metadata: {} };
    case "withdraw":
      return { kind: "WITHDRAWAL", accountId: accountAt(run, c.from), amount: money(c.amount), externalReference: "ext", description: "out", metadata: {} };
    case "transfer":
      return { kind: "TRANSFER", fromAccountId: accountAt(run, c.from), toAccountId: accountAt(run, c.to), amount: money(c.amount, c.currency), description: "t", metadata: { n: "1" } };
    case "refund":
      return {
        kind: "REFUND",
        originalTransactionId: refundTarget(posted, c.of),
        amount: c.amount === null ? undefined : money(c.amount, c.usd ? "USD" : "EUR"),
        reason: "refund",
        fundingAccountId: c.funded ? run.refunds : undefined,
        metadata: {},
      };
    case "adjust":
      return { kind: "ADJUSTMENT", accountId: accountAt(run, c.account), direction: c.credit ? "CREDIT" : "DEBIT", amount: money(c.amount), reasonCode: "CORRECTION", reason: "fix", metadata: {} };
  }
}

/** What both sides must agree on about one movement: the rules' decision... */
function ofModel(decision: MovementDecision) {
  if ("refused" in decision) return refusalFigures(decision.refused);
  const p = decision.posted;
  return { posted: { posting: p.posting, balances: p.balances.map(balanceFigures), remaining: p.remainingRefundable } };
}

/** ...and the database's outcome. */
function ofDatabase(outcome: MovementOutcome) {
  if (outcome.status === "refused") return refusalFigures(outcome.error);
  if (outcome.status !== "posted") throw new Error(`unexpected outcome ${outcome.status}`);
  const p = outcome.posted;
  return { posted: { posting: p.transaction.postings[0], balances: [...p.balances.values()].map(balanceFigures), remaining: p.remainingRefundable } };
}

function refusalFigures(error: LedgerError) {
  return { refused: { reason: error.reason, message: error.message, metadata: error.metadata } };
}

function balanceFigures(b: Balance) {
  return { accountId: b.accountId, posted: b.posted, held: b.held, version: b.version, lastEntrySequence: b.lastEntrySequence };
}

describe("ledger_post_movements against the TypeScript rules", () => {
  it("gives every random sequence of movements, in random batches, the outcomes and balances the rules give", async () => {
    const h = await ledger();
    const client = h.client("mobile-bff");
    const staff = h.client("backoffice");
    const payments = h.client("payments");
    // Opens the currency defaults (funding, settlement, adjustments) the model takes as given.
    const warm = await openWallet(client);
    await payments.topUp({ accountId: warm, amount: eur(10), idempotencyKey: key() });
    await client.withdraw({ accountId: warm, amount: eur(1), idempotencyKey: key() }).catch(() => undefined);
    await staff.adjustBalance({ accountId: warm, direction: EntryDirection.CREDIT, amount: eur(1), reasonCode: AdjustmentReason.CORRECTION, reason: "warm", idempotencyKey: key() });

    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(scenario, async ({ commands, cuts }) => {
        const run = await openRun(client, staff, payments);
        const model = await loadState(h.db);
        const posted: Posted = { transfers: [], others: [] };
        let batch: { movement: Movement }[] = [];
        const flush = async () => {
          if (batch.length === 0) return;
          const requests = batch.map(({ movement }) => ({
            call: { scope: "equivalence", key: randomUUID(), method: `test/${movement.kind}`, requestHash: new Uint8Array([1]) },
            movement,
            metadata: movement.kind === "ADJUSTMENT" ? adjustmentMetadata(movement.metadata, movement.reasonCode) : movement.metadata,
            caller: "test",
            event: {},
          }));
          const outcomes = await postMovements(h.db, requests, { retentionMs: 60_000, waitMs: 5_000 });
          outcomes.forEach((outcome, i) => {
            const movement = batch[i]!.movement;
            const transactionId = outcome.status === "posted" ? outcome.posted.transaction.id : randomUUID();
            const expected = applyMovement(model, movement, transactionId);
            assert.deepEqual(ofDatabase(outcome), ofModel(expected), `${movement.kind} ${JSON.stringify(movement, (_, v) => (typeof v === "bigint" ? v.toString() : v))}`);
            if (outcome.status === "posted") (movement.kind === "TRANSFER" ? posted.transfers : posted.others).push(transactionId);
            seen.add(outcome.status === "refused" ? outcome.error.reason : `${movement.kind} posted`);
          });
          batch = [];
        };
        for (const [i, c] of commands.entries()) {
          batch.push({ movement: movementOf(run, c, posted) });
          if (cuts[i]) await flush();
        }
        await flush();
        const stored = (await h.db.selectFrom("balances").selectAll().execute()).map(toBalance);
        for (const balance of stored) {
          const expected = model.balances.get(balance.accountId);
          assert.ok(expected, `the model knows account ${balance.accountId}`);
          assert.deepEqual(balanceFigures(balance), balanceFigures(expected), `balance of ${balance.accountId}`);
        }
      }),
      // A fixed seed: the same sequences on every run, so the coverage check below holds (FC_SEED explores others).
      { numRuns: 50, seed: Number(process.env.FC_SEED ?? 3) },
    );
    // With the default seed, the generator reaches every kind of movement posted and the refusals that matter.
    if (process.env.FC_SEED === undefined) for (const outcome of ["TRANSFER posted", "REFUND posted", "ADJUSTMENT posted", "INSUFFICIENT_FUNDS", "ACCOUNT_FROZEN", "REFUND_EXCEEDS_ORIGINAL", "NOT_REFUNDABLE", "CURRENCY_MISMATCH"]) {
      assert.ok(seen.has(outcome), `some movement ended ${outcome} (seen: ${[...seen].join(", ")})`);
    }
  });
});
