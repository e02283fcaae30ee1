import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { PageResponseSchema } from "#gen/wallet/common/v1/pagination_pb.js";
import { DeadLetterSchema } from "#gen/wallet/notification/v1/notification_pb.js";
import {
  ListDeadLettersResponseSchema,
  ReplayDeadLettersResponseSchema,
  type NotificationService,
} from "#gen/wallet/notification/v1/notification_service_pb.js";
import { mapErrors } from "#platform/errors/index.js";
import { fetchLimit, takePage } from "#platform/pagination/index.js";
import type { NotificationDeps } from "../context.js";
import { DEFAULT_REPLAY_LIMIT, listDeadLetters, MAX_REPLAY_LIMIT, replayDeadLetters, type DeadLetter } from "../dead-letters.js";
import { deadLettersReplayedCounter } from "../delivery/delivery-metrics.js";
import { invalidField } from "../errors.js";
import { toConnectError } from "./connect-errors.js";
import { isUuid, parseChannelFilter, pageToken, parsePage } from "./parse.js";
import { notificationPb } from "./to-proto.js";

/** A dead letter as the API shows it: never the body or destination. */
function deadLetterPb(letter: DeadLetter) {
  return create(DeadLetterSchema, {
    notification: notificationPb(letter),
    provider: letter.provider ?? "",
    lastError: letter.lastError ?? "",
    deadLetteredAt: timestampFromDate(letter.deadLetteredAt),
  });
}

/** ListDeadLetters, ReplayDeadLetters: for backoffice, which checks the role (the mesh's call graph lets no one else in). */
export function createDeadLetterHandlers(deps: NotificationDeps): Partial<ServiceImpl<typeof NotificationService>> {
  const replayedCounter = deps.metricsRegistry ? deadLettersReplayedCounter(deps.metricsRegistry) : undefined;
  const impl: Partial<ServiceImpl<typeof NotificationService>> = {
    async listDeadLetters(req) {
      const { limit, after } = parsePage(req.page);
      const letters = await listDeadLetters(deps.db, { channel: parseChannelFilter(req.channel), after, limit: fetchLimit(limit) });
      const page = takePage(letters, limit, (last) => pageToken({ at: last.deadLetteredAt, id: last.id }));
      return create(ListDeadLettersResponseSchema, {
        deadLetters: page.items.map(deadLetterPb),
        page: create(PageResponseSchema, { nextPageToken: page.nextPageToken }),
      });
    },

    async replayDeadLetters(req) {
      if (req.limit < 0) throw invalidField("limit", "must not be negative");
      const limit = Math.min(req.limit === 0 ? DEFAULT_REPLAY_LIMIT : req.limit, MAX_REPLAY_LIMIT);
      req.notificationIds.forEach((id, i) => {
        if (!isUuid(id)) throw invalidField(`notification_ids[${i}]`, "is not a notification id (UUID)");
      });
      const result = await replayDeadLetters(deps.db, { limit, channel: parseChannelFilter(req.channel), ids: req.notificationIds });
      for (const [channel, n] of result.replayedByChannel) replayedCounter?.inc({ channel }, n);
      deps.logger.info({ replayed: result.replayed, remaining: result.remaining }, "dead-lettered notifications replayed");
      return create(ReplayDeadLettersResponseSchema, { replayed: result.replayed, remaining: BigInt(result.remaining) });
    },
  };
  return mapErrors(impl, toConnectError);
}
