import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { BadRequestSchema, BadRequest_FieldViolationSchema } from "#gen/google/rpc/error_details_pb.js";
import { PageResponseSchema } from "#gen/wallet/common/v1/pagination_pb.js";
import {
  Category,
  Channel,
  DeadLetterSchema,
  NotificationSchema,
  NotificationStatus,
  type DeadLetter as DeadLetterPb,
} from "#gen/wallet/notification/v1/notification_pb.js";
import {
  ListDeadLettersResponseSchema,
  ReplayDeadLettersResponseSchema,
  type NotificationService,
} from "#gen/wallet/notification/v1/notification_service_pb.js";
import type { NotificationDeps } from "../context.js";
import {
  DEFAULT_REPLAY_LIMIT,
  listDeadLetters,
  MAX_REPLAY_LIMIT,
  replayDeadLetters,
  type DeadLetter,
  type DeadLetterCursor,
} from "../dead-letters.js";
import { deadLettersReplayedCounter } from "../delivery/delivery-metrics.js";
import type { ChannelName } from "../storage/notification.table.js";

/** ListDeadLetters' default and largest page. */
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 200;

/** UUID shape of notification ids. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** InvalidArgument naming the field, with a google.rpc.BadRequest field violation. */
function invalidArgument(field: string, problem: string): ConnectError {
  const violation = create(BadRequest_FieldViolationSchema, { field, description: problem });
  return new ConnectError(`${field}: ${problem}`, Code.InvalidArgument, undefined, [
    { desc: BadRequestSchema, value: create(BadRequestSchema, { fieldViolations: [violation] }) },
  ]);
}

/** A channel filter: undefined for UNSPECIFIED. */
function channelFilter(channel: Channel): ChannelName | undefined {
  if (channel === Channel.UNSPECIFIED) return undefined;
  const name = Channel[channel];
  if (name !== "EMAIL" && name !== "SMS" && name !== "PUSH") throw invalidArgument("channel", "is not a known channel");
  return name;
}

/** Encodes a page cursor: opaque to clients. */
function encodeCursor(letter: DeadLetter): string {
  return Buffer.from(JSON.stringify({ at: letter.deadLetteredAt.toISOString(), id: letter.id })).toString("base64url");
}

/** Decodes a page cursor this list returned. */
function decodeCursor(token: string): DeadLetterCursor {
  try {
    const value = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { at?: unknown; id?: unknown };
    const deadLetteredAt = new Date(String(value.at));
    if (typeof value.id === "string" && UUID.test(value.id) && !Number.isNaN(deadLetteredAt.getTime())) return { deadLetteredAt, id: value.id };
  } catch {
    // not JSON: refused below
  }
  throw invalidArgument("page.page_token", "is not a token this list returned");
}

/** A dead letter as the API shows it: never the body or destination. */
function deadLetterPb(letter: DeadLetter): DeadLetterPb {
  return create(DeadLetterSchema, {
    notification: create(NotificationSchema, {
      id: letter.id,
      userId: letter.userId,
      category: Category[letter.category],
      channel: Channel[letter.channel],
      eventType: letter.eventType,
      subject: letter.subject,
      status: NotificationStatus[letter.status],
      attempts: letter.attempts,
      createdAt: timestampFromDate(letter.createdAt),
      sentAt: letter.sentAt ? timestampFromDate(letter.sentAt) : undefined,
    }),
    provider: letter.provider ?? "",
    lastError: letter.lastError ?? "",
    deadLetteredAt: timestampFromDate(letter.deadLetteredAt),
  });
}

/** ListDeadLetters, ReplayDeadLetters. */
export function createDeadLetterHandlers(deps: NotificationDeps): Partial<ServiceImpl<typeof NotificationService>> {
  const replayedCounter = deps.metricsRegistry ? deadLettersReplayedCounter(deps.metricsRegistry) : undefined;
  return {
    async listDeadLetters(req) {
      const requested = req.page?.pageSize ?? 0;
      const limit = requested <= 0 ? DEFAULT_PAGE_SIZE : Math.min(requested, MAX_PAGE_SIZE);
      const after = req.page?.pageToken ? decodeCursor(req.page.pageToken) : undefined;
      // One more than the page: its presence says whether another page exists.
      const letters = await listDeadLetters(deps.db, { channel: channelFilter(req.channel), after, limit: limit + 1 });
      const page = letters.slice(0, limit);
      const last = page.at(-1);
      return create(ListDeadLettersResponseSchema, {
        deadLetters: page.map(deadLetterPb),
        page: create(PageResponseSchema, { nextPageToken: letters.length > limit && last ? encodeCursor(last) : "" }),
      });
    },

    async replayDeadLetters(req) {
      if (req.limit < 0) throw invalidArgument("limit", "must not be negative");
      const limit = Math.min(req.limit === 0 ? DEFAULT_REPLAY_LIMIT : req.limit, MAX_REPLAY_LIMIT);
      req.notificationIds.forEach((id, i) => {
        if (!UUID.test(id)) throw invalidArgument(`notification_ids[${i}]`, "is not a notification id (UUID)");
      });
      const result = await replayDeadLetters(deps.db, { limit, channel: channelFilter(req.channel), ids: req.notificationIds });
      for (const [channel, n] of result.replayedByChannel) replayedCounter?.inc({ channel }, n);
      deps.logger.info({ replayed: result.replayed, remaining: result.remaining }, "dead-lettered notifications replayed");
      return create(ReplayDeadLettersResponseSchema, { replayed: result.replayed, remaining: BigInt(result.remaining) });
    },
  };
}
