/** Ledger events as the posted movements they describe. */
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { Money } from "#gen/wallet/common/v1/money_pb.js";
import type { EventEnvelope } from "#gen/wallet/events/v1/envelope_pb.js";
import type { Initiator } from "#gen/wallet/events/v1/ledger_events_pb.js";
import type { MovementInitiator, PostedMovement } from "./domain/posted-movement.js";

/** Thrown for an event that cannot be handled as it stands (it is retried, then dead-lettered). */
export class UnprocessableEventError extends Error {
  override readonly name = "UnprocessableEventError";
}

const initiatorOf = (i: Initiator | undefined): MovementInitiator | undefined =>
  i ? { userId: i.userId, deviceId: i.deviceId, ipAddress: i.ipAddress } : undefined;

/** What every posted movement has, from its payload. */
function postedBase(
  envelope: EventEnvelope,
  fields: { transactionId: string; userId: string; accountId: string; amount?: Money; postedAt?: Timestamp },
) {
  const { amount, postedAt } = fields;
  if (!amount || !/^[A-Z]{3}$/.test(amount.currency) || amount.amountMinor < 0n) throw new UnprocessableEventError(`${envelope.eventType} ${envelope.eventId} has no valid amount`);
  const time = postedAt ?? envelope.occurredAt;
  return {
    transactionId: fields.transactionId,
    userId: fields.userId,
    accountId: fields.accountId,
    amountMinor: amount.amountMinor,
    currency: amount.currency,
    postedAt: time ? timestampDate(time) : undefined,
  };
}

/**
 * The posted movement an event describes, if it is one risk acts on; its time is posted_at,
 * else the envelope's occurred_at. Other ledger events (accounts, holds, refunds, adjustments,
 * payloads newer than this build) answer undefined: acknowledged with nothing to do.
 */
export function movementOf(envelope: EventEnvelope): PostedMovement | undefined {
  const p = envelope.payload;
  switch (p.case) {
    case "transferPosted": {
      const v = p.value;
      return {
        kind: "TRANSFER",
        ...postedBase(envelope, { ...v, userId: v.fromUserId, accountId: v.fromAccountId }),
        underReview: v.underReview,
        riskReference: v.riskReference,
        initiator: initiatorOf(v.initiator),
        toAccountId: v.toAccountId,
      };
    }
    case "withdrawalPosted": {
      const v = p.value;
      return {
        kind: "WITHDRAWAL",
        ...postedBase(envelope, { ...v, userId: v.ownerUserId }),
        underReview: v.underReview,
        riskReference: v.riskReference,
        initiator: initiatorOf(v.initiator),
      };
    }
    case "topUpPosted":
      return { kind: "TOP_UP", ...postedBase(envelope, { ...p.value, userId: p.value.ownerUserId }), underReview: false };
    case "adjustmentPosted":
      // Staff-initiated (AdjustBalance after a second staff member's approval, audited by the
      // backoffice): not the user's own movement, so it feeds no velocity window and raises no alert.
      return undefined;
    default:
      return undefined;
  }
}
