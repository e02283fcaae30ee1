/**
 * The money movements (top-up, withdrawal, transfer, refund, adjustment) as
 * data, and who takes part in each: the two parties, in the order the rules
 * check them, with the account kinds each may be and its role in messages.
 * The database function `ledger_post_movements` (migration 0007) applies the
 * rules to these parties; `applyMovement` (apply-movement.ts) is the same
 * rules in TypeScript, the specification the function is tested against.
 */
import type { AccountKind } from "./accounts.js";
import type { AdjustmentDirection, AdjustmentReasonCode } from "./adjustments.js";
import type { Money } from "./money.js";

/** Credits a USER_WALLET from a SYSTEM_FUNDING account (the currency's default when none is named). */
export interface TopUpMovement {
  readonly kind: "TOP_UP";
  readonly accountId: string;
  readonly amount: Money;
  readonly fundingAccountId?: string;
  readonly externalReference: string;
  readonly description: string;
  readonly metadata: Readonly<Record<string, string>>;
}

/** Debits a USER_WALLET to a SYSTEM_SETTLEMENT account (the currency's default when none is named). */
export interface WithdrawalMovement {
  readonly kind: "WITHDRAWAL";
  readonly accountId: string;
  readonly amount: Money;
  readonly settlementAccountId?: string;
  readonly externalReference: string;
  readonly description: string;
  readonly metadata: Readonly<Record<string, string>>;
}

/** Moves money between two accounts of the same currency. */
export interface TransferMovement {
  readonly kind: "TRANSFER";
  readonly fromAccountId: string;
  readonly toAccountId: string;
  readonly amount: Money;
  readonly description: string;
  readonly metadata: Readonly<Record<string, string>>;
}

/** Returns money for a TRANSFER or HOLD_CAPTURE, from its destination (or a refunds account) to its source. */
export interface RefundMovement {
  readonly kind: "REFUND";
  readonly originalTransactionId: string;
  /** Unset refunds everything not yet refunded. */
  readonly amount?: Money;
  /** The statement line's description. */
  readonly reason: string;
  /** A SYSTEM_REFUNDS account paying a goodwill refund. */
  readonly fundingAccountId?: string;
  readonly metadata: Readonly<Record<string, string>>;
}

/** Corrects a USER_WALLET against the currency's SYSTEM_ADJUSTMENTS account. */
export interface AdjustmentMovement {
  readonly kind: "ADJUSTMENT";
  readonly accountId: string;
  readonly direction: AdjustmentDirection;
  readonly amount: Money;
  readonly reasonCode: AdjustmentReasonCode;
  /** Why, in words: the statement line's description. */
  readonly reason: string;
  /** The caller's metadata (the transaction adds the reason code). */
  readonly metadata: Readonly<Record<string, string>>;
}

/** Any money movement. */
export type Movement = TopUpMovement | WithdrawalMovement | TransferMovement | RefundMovement | AdjustmentMovement;

/** One side of a movement. */
export interface Party {
  /** The account named by the request; unset: `defaultKind`'s default account in the movement's currency (or, for a refund, the original's side). */
  readonly accountId?: string;
  readonly defaultKind?: Exclude<AccountKind, "USER_WALLET">;
  /** Kinds the account may be; unset: any. */
  readonly kinds?: readonly AccountKind[];
  /** What the account is in this movement, for messages ("transfer source"). */
  readonly role: string;
}

/** How the rules see a movement. */
export interface MovementShape {
  /** Checked in this order: first both kinds, then both for being movable. */
  readonly parties: readonly [Party, Party];
  /** Which party the money leaves. */
  readonly source: 0 | 1;
  /** Whether the two parties must differ (SELF_TRANSFER before any lookup). */
  readonly distinct: boolean;
}

/** Kinds that may send or receive a transfer: funding accounts move money only by top-up. */
const transferKinds: readonly AccountKind[] = ["USER_WALLET", "SYSTEM_FEES", "SYSTEM_SETTLEMENT", "SYSTEM_REFUNDS"];

/** The parties of a movement and which one pays. */
export function movementShape(movement: Movement): MovementShape {
  switch (movement.kind) {
    case "TOP_UP":
      return {
        parties: [
          { accountId: movement.accountId, kinds: ["USER_WALLET"], role: "top-up destination" },
          { accountId: movement.fundingAccountId, defaultKind: "SYSTEM_FUNDING", kinds: ["SYSTEM_FUNDING"], role: "top-up funding account" },
        ],
        source: 1,
        distinct: true,
      };
    case "WITHDRAWAL":
      return {
        parties: [
          { accountId: movement.accountId, kinds: ["USER_WALLET"], role: "withdrawal source" },
          {
            accountId: movement.settlementAccountId,
            defaultKind: "SYSTEM_SETTLEMENT",
            kinds: ["SYSTEM_SETTLEMENT"],
            role: "withdrawal settlement account",
          },
        ],
        source: 0,
        distinct: true,
      };
    case "TRANSFER":
      return {
        parties: [
          { accountId: movement.fromAccountId, kinds: transferKinds, role: "transfer source" },
          { accountId: movement.toAccountId, kinds: transferKinds, role: "transfer destination" },
        ],
        source: 0,
        distinct: true,
      };
    case "REFUND":
      return {
        parties: [
          {
            accountId: movement.fundingAccountId,
            kinds: movement.fundingAccountId ? ["SYSTEM_REFUNDS"] : undefined,
            role: "refund funding account",
          },
          { role: "refund destination" },
        ],
        source: 0,
        distinct: true,
      };
    case "ADJUSTMENT":
      // The kind first: naming the adjustments account itself is ACCOUNT_KIND_NOT_ALLOWED, not SELF_TRANSFER.
      return {
        parties: [
          { accountId: movement.accountId, kinds: ["USER_WALLET"], role: "adjusted account" },
          { defaultKind: "SYSTEM_ADJUSTMENTS", role: "adjustments account" },
        ],
        source: movement.direction === "CREDIT" ? 1 : 0,
        distinct: false,
      };
  }
}
