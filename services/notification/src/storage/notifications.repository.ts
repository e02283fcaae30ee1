/**
 * Queries on `notifications`, the delivery outbox, for the consumer and the
 * API. Reads never select `body`: it may hold a single-use token.
 */
import type { Kysely, Selectable } from "kysely";
import type { PlannedNotification } from "../domain/plan-notifications.js";
import type { CategoryName, ChannelName, NotificationDatabase, NotificationStatusName, NotificationsTable } from "./notification.table.js";

type Db = Kysely<NotificationDatabase>;

/** A notification as the API shows it: no body, no destination. */
export interface NotificationView {
  readonly id: string;
  readonly userId: string;
  readonly category: CategoryName;
  readonly channel: ChannelName;
  readonly eventType: string;
  readonly subject: string;
  readonly status: NotificationStatusName;
  readonly attempts: number;
  readonly createdAt: Date;
  readonly sentAt: Date | null;
}

/** Where a page starts: after the row with this time (created, or dead-lettered) and id. */
export interface PageCursor {
  readonly at: Date;
  readonly id: string;
}

/** The columns of a view; `body` and `destination` deliberately absent. */
const VIEW_COLUMNS = ["id", "user_id", "category", "channel", "event_type", "subject", "status", "attempts", "created_at", "sent_at"] as const;

type ViewRow = Pick<Selectable<NotificationsTable>, (typeof VIEW_COLUMNS)[number]>;

const viewOf = (r: ViewRow): NotificationView => ({
  id: r.id,
  userId: r.user_id,
  category: r.category,
  channel: r.channel,
  eventType: r.event_type,
  subject: r.subject,
  status: r.status,
  attempts: r.attempts,
  createdAt: r.created_at,
  sentAt: r.sent_at,
});

/**
 * Queues the notifications as QUEUED, due now. A row whose (event_id,
 * channel) exists already is skipped, so a redelivered event queues nothing
 * twice. Answers the rows actually inserted.
 */
export async function queueNotifications(
  db: Db,
  planned: readonly PlannedNotification[],
  options: { now: Date; actorId?: string },
): Promise<NotificationView[]> {
  if (planned.length === 0) return [];
  const rows = await db
    .insertInto("notifications")
    .values(
      planned.map((p) => ({
        user_id: p.userId,
        category: p.category,
        channel: p.channel,
        event_id: p.eventId,
        event_type: p.eventType,
        template: p.template,
        locale: p.locale,
        destination: p.destination,
        subject: p.subject,
        body: p.body,
        status: "QUEUED" as const,
        next_attempt_at: options.now,
        actor_id: options.actorId ?? null,
        // Set here, in milliseconds, so page cursors (ISO strings) match rows exactly.
        created_at: options.now,
      })),
    )
    .onConflict((oc) => oc.columns(["event_id", "channel"]).doNothing())
    .returning(VIEW_COLUMNS)
    .execute();
  return rows.map(viewOf);
}

/** Filters and cursor of a history page. */
export interface NotificationFilter {
  readonly userId: string;
  readonly channel?: ChannelName;
  readonly status?: NotificationStatusName;
  /** The last row of the previous page. */
  readonly after?: PageCursor;
  readonly limit: number;
}

/** A page of a user's notifications, newest first (ties by id, descending). */
export async function listNotifications(db: Db, filter: NotificationFilter): Promise<NotificationView[]> {
  let query = db
    .selectFrom("notifications")
    .select(VIEW_COLUMNS)
    .where("user_id", "=", filter.userId)
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(filter.limit);
  if (filter.channel) query = query.where("channel", "=", filter.channel);
  if (filter.status) query = query.where("status", "=", filter.status);
  const after = filter.after;
  if (after) {
    query = query.where((eb) =>
      eb.or([eb("created_at", "<", after.at), eb.and([eb("created_at", "=", after.at), eb("id", "<", after.id)])]),
    );
  }
  return (await query.execute()).map(viewOf);
}
