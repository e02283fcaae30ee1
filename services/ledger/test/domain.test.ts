import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Balance } from "../src/domain/accounts.js";
import { ADJUSTMENT_REASON_KEY, adjustmentMetadata } from "../src/domain/adjustments.js";
import { movementShape, type AdjustmentMovement } from "../src/domain/movement.js";
import { planCapture, planRelease, type Hold } from "../src/domain/holds.js";
import { planMovement } from "../src/domain/journal.js";
import { LedgerError } from "../src/domain/ledger-error.js";
import { assertCurrency, assertPositiveAmount } from "../src/domain/money.js";
import { refundAmount } from "../src/domain/refunds.js";

const balance = (accountId: string, posted: bigint, held = 0n, allowNegative = false): Balance => ({
  accountId, currency: "EUR", allowNegative, posted, held, version: 3n, lastEntrySequence: 7n, updatedAt: new Date(0),
});
const reason = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof LedgerError);
    return err.reason;
  }
  assert.fail("expected a refusal");
};
const hold = (amount: bigint, captured = 0n): Hold => ({
  id: "h", accountId: "a", destinationAccountId: "b", currency: "EUR", amount, captured,
  status: captured ? "PARTIALLY_CAPTURED" : "PENDING", description: "", metadata: {},
  expiresAt: new Date(0), createdAt: new Date(0), closedAt: null,
});

describe("ledger domain rules", () => {
  it("accepts only three upper-case letters as a currency", () => {
    assert.equal(assertCurrency("EUR", "c"), "EUR");
    for (const bad of ["eur", "EU", "EURO", ""]) assert.equal(reason(() => assertCurrency(bad, "c")), "INVALID_FIELD");
  });

  it("refuses zero and negative amounts as NON_POSITIVE_AMOUNT", () => {
    assert.equal(reason(() => assertPositiveAmount(0n, "amount")), "NON_POSITIVE_AMOUNT");
    assert.equal(reason(() => assertPositiveAmount(-1n, "amount")), "NON_POSITIVE_AMOUNT");
  });

  it("numbers entries per account and records the balance after each", () => {
    const plan = planMovement(new Map([["a", balance("a", 100n)], ["b", balance("b", 0n)]]), [
      { sourceAccountId: "a", destinationAccountId: "b", amount: 30n, currency: "EUR" },
    ]);
    assert.deepEqual(plan.entries.map((e) => [e.accountId, e.sequence, e.direction, e.balanceAfter]), [
      ["a", 8n, "DEBIT", 70n],
      ["b", 8n, "CREDIT", 30n],
    ]);
    assert.deepEqual(plan.balances.map((b) => [b.accountId, b.posted, b.version]), [["a", 70n, 4n], ["b", 30n, 4n]]);
  });

  it("refuses a debit beyond posted minus held as INSUFFICIENT_FUNDS", () => {
    const balances = new Map([["a", balance("a", 100n, 80n)], ["b", balance("b", 0n)]]);
    assert.equal(reason(() => planMovement(balances, [{ sourceAccountId: "a", destinationAccountId: "b", amount: 21n, currency: "EUR" }])), "INSUFFICIENT_FUNDS");
  });

  it("lets an allow_negative account go below zero", () => {
    const plan = planMovement(new Map([["f", balance("f", 0n, 0n, true)], ["b", balance("b", 0n)]]), [
      { sourceAccountId: "f", destinationAccountId: "b", amount: 5n, currency: "EUR" },
    ]);
    assert.equal(plan.balances.find((b) => b.accountId === "f")?.posted, -5n);
  });

  it("limits refunds to what is left of the original", () => {
    assert.equal(refundAmount("t", 100n, 30n, undefined), 70n);
    assert.equal(refundAmount("t", 100n, 30n, 70n), 70n);
    assert.equal(reason(() => refundAmount("t", 100n, 30n, 71n)), "REFUND_EXCEEDS_ORIGINAL");
    assert.equal(reason(() => refundAmount("t", 100n, 100n, undefined)), "REFUND_EXCEEDS_ORIGINAL");
  });

  it("closes a hold on a final partial capture and releases the rest", () => {
    const plan = planCapture(hold(100n, 20n), 30n, true);
    assert.deepEqual([plan.amount, plan.released, plan.status, plan.heldDelta], [30n, 50n, "CAPTURED", -80n]);
  });

  it("keeps a hold open after a partial capture", () => {
    const plan = planCapture(hold(100n), 30n, false);
    assert.deepEqual([plan.status, plan.heldDelta, plan.closes], ["PARTIALLY_CAPTURED", -30n, false]);
  });

  it("refuses captures beyond the remainder and any change to a closed hold", () => {
    assert.equal(reason(() => planCapture(hold(100n, 90n), 11n, false)), "CAPTURE_EXCEEDS_HOLD");
    const closed = { ...hold(100n), status: "VOIDED" as const };
    assert.equal(reason(() => planCapture(closed, undefined, false)), "HOLD_NOT_PENDING");
    assert.equal(reason(() => planRelease(closed, "EXPIRED")), "HOLD_NOT_PENDING");
  });

  it("credits a wallet from the adjustments account and debits it to that account", () => {
    const adjustment = (direction: "CREDIT" | "DEBIT"): AdjustmentMovement => ({
      kind: "ADJUSTMENT", accountId: "w", direction, amount: { amountMinor: 1n, currency: "EUR" }, reasonCode: "GOODWILL", reason: "r", metadata: {},
    });
    // Party 0 is the wallet, party 1 the adjustments account; `source` is the one paying.
    assert.equal(movementShape(adjustment("CREDIT")).source, 1);
    assert.equal(movementShape(adjustment("DEBIT")).source, 0);
  });

  it("keeps an adjustment's reason code beside the caller's metadata and refuses a caller setting it", () => {
    assert.deepEqual(adjustmentMetadata({ ticket: "OPS-1" }, "CHARGEBACK"), { ticket: "OPS-1", [ADJUSTMENT_REASON_KEY]: "CHARGEBACK" });
    assert.equal(reason(() => adjustmentMetadata({ [ADJUSTMENT_REASON_KEY]: "GOODWILL" }, "CORRECTION")), "INVALID_FIELD");
  });
});
