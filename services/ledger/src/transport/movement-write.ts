import { create, fromBinary, toJson, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { anyPack } from "@bufbuild/protobuf/wkt";
import type { HandlerContext } from "@connectrpc/connect";
import { ErrorInfoSchema } from "#gen/google/rpc/error_details_pb.js";
import { StatusSchema, type Status } from "#gen/google/rpc/status_pb.js";
import { InitiatorSchema } from "#gen/wallet/events/v1/ledger_events_pb.js";
import type { RiskContext } from "#gen/wallet/ledger/v1/risk_context_pb.js";
import { hasLiveResult, requestHash } from "#platform/idempotency/index.js";
import type { Actor, LedgerDeps } from "../context.js";
import { LedgerError } from "../domain/ledger-error.js";
import type { Movement } from "../domain/movement.js";
import type { RiskClearance } from "../domain/risk-clearance.js";
import { initiatorOf } from "../events.js";
import { createMovementPoster, type MovementPoster } from "../movements.service.js";
import type { MovementEventExtras, MovementOutcome, MovementRequest, PostedMovement } from "../storage/movements.repository.js";
import { ledgerConnectError, LEDGER_ERROR_DOMAIN } from "./connect-errors.js";
import { actorOf, UNHASHED_FIELDS } from "./idempotent-write.js";
import { parseIdempotencyKey } from "./parse.js";

/** What a movement handler gives {@link createMovementWriter}'s writer. */
export interface MovementWrite<Req extends DescMessage, Res extends DescMessage> {
  readonly requestSchema: Req;
  readonly request: MessageShape<Req> & { idempotencyKey: string; riskContext?: RiskContext };
  readonly responseSchema: Res;
  readonly movement: Movement;
  /** The transaction's metadata when it differs from the movement's (adjustments add their reason code). */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Event fields only the request knows (see MovementEventExtras). */
  readonly event?: MovementEventExtras;
  /** The response of a posted movement (the first answer and every replay). */
  readonly respond: (posted: PostedMovement) => MessageShape<Res>;
  /** Risk screening, before the movement, for a key with no stored result. */
  readonly screen?: (scope: string, key: string) => Promise<RiskClearance | undefined>;
}

/** Event fields from who asked and what risk said. */
function actorEvent(actor: Actor): MovementEventExtras {
  const initiator = initiatorOf(actor.initiator);
  return {
    initiator: initiator ? toJson(InitiatorSchema, initiator) : undefined,
    underReview: actor.risk?.underReview,
    riskReference: actor.risk?.reference,
  };
}

/** The idempotent call of a request under a scope. */
export function movementCall<Req extends DescMessage>(scope: string, key: string, method: string, schema: Req, request: MessageShape<Req>) {
  return { scope, key, method, requestHash: requestHash(schema, request, UNHASHED_FIELDS) };
}

/** A movement's response from its outcome, or its refusal thrown. */
export function movementAnswer<Res extends DescMessage>(
  outcome: MovementOutcome,
  responseSchema: Res,
  respond: (posted: PostedMovement) => MessageShape<Res>,
): { response: MessageShape<Res>; replayed: boolean } {
  switch (outcome.status) {
    case "refused":
      throw outcome.error;
    case "replayed-response":
      return { response: fromBinary(responseSchema, outcome.response), replayed: true };
    case "posted":
      return { response: respond(outcome.posted), replayed: outcome.replayed };
  }
}

/** A refusal as the google.rpc.Status a single call would have answered. */
export function refusalStatus(error: LedgerError): Status {
  const connectError = ledgerConnectError(error);
  return create(StatusSchema, {
    code: connectError.code,
    message: connectError.rawMessage,
    details: [anyPack(ErrorInfoSchema, create(ErrorInfoSchema, { reason: error.reason, domain: LEDGER_ERROR_DOMAIN, metadata: { ...error.metadata } }))],
  });
}

/**
 * The writer of the movement RPCs: screens (when asked), posts the movement
 * through group commit, answers the response (setting `idempotent-replayed`
 * on a replay) or throws the refusal.
 */
export function createMovementWriter(deps: LedgerDeps): {
  write<Req extends DescMessage, Res extends DescMessage>(ctx: HandlerContext, write: MovementWrite<Req, Res>): Promise<MessageShape<Res>>;
  readonly poster: MovementPoster;
} {
  const poster = createMovementPoster(deps);
  return {
    poster,
    async write(ctx, w) {
      const key = parseIdempotencyKey(w.request.idempotencyKey);
      let actor = actorOf(ctx, w.request.riskContext);
      if (w.screen && !(await hasLiveResult(deps.db, actor.scope, key))) {
        actor = { ...actor, risk: await w.screen(actor.scope, key) };
      }
      const request: MovementRequest = {
        call: movementCall(actor.scope, key, `${ctx.service.typeName}/${ctx.method.name}`, w.requestSchema, w.request),
        movement: w.movement,
        metadata: w.metadata ?? w.movement.metadata,
        caller: actor.caller,
        event: { ...actorEvent(actor), ...w.event },
      };
      const { response, replayed } = movementAnswer(await poster.post(request), w.responseSchema, w.respond);
      if (replayed) ctx.responseHeader.set("idempotent-replayed", "true");
      return response;
    },
  };
}
