import { sql, type Kysely } from "kysely";

/**
 * Money movements in one database call: `ledger_post_movements(items, ...)`.
 *
 * Why: a movement used to cost about twelve round trips and a commit; the
 * ledger process spent its time driving them. This function takes a batch
 * of movements (top-ups, withdrawals, transfers, refunds, adjustments, as
 * built by services/ledger/src/storage/movements.repository.ts), posts each
 * one that the rules allow and answers one result per movement, all in the
 * one transaction of the calling statement (group commit: see
 * services/ledger/src/group-commit.ts).
 *
 * The rules are those of the TypeScript domain (services/ledger/src/domain,
 * composed in `applyMovement`), checked in the same order with the same
 * reasons, messages and metadata; a property test runs random sequences
 * through both. A refusal touches nothing: it is checked against in-memory
 * balances before anything of its movement is written, so no subtransaction
 * is needed and the other movements of the batch go on.
 *
 * Lock order, the same for every writer of the ledger: idempotency keys in
 * (scope, key) order, then the original transactions of refunds in id order,
 * then every balance row the batch touches in account id order, in one
 * statement. Batches therefore wait for one another but never deadlock. The
 * rows of the posted movements are inserted together, one statement per
 * table, and a hot balance row is written once per batch, with its final
 * state, at the end.
 *
 * Idempotency: the key row of each movement is claimed first (a concurrent
 * request with the key makes the claim wait, at most `wait_ms`: then the whole
 * call fails with SQLSTATE LG001 and the caller retries the movements one by
 * one to find which key it was). A live key replays its stored `result`, or
 * its `response` bytes when it was stored before this function existed. The
 * key rows of refused movements are deleted again: only successes are
 * remembered.
 *
 * With `atomic`, one refusal raises SQLSTATE LG002 (DETAIL: the refusal and
 * its index as JSON) and nothing of the batch is kept.
 *
 * Events are written to the outbox as proto3 JSON (`payload_json`, platform
 * outbox migration 0002); the relay encodes them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE idempotency_keys ADD COLUMN result jsonb`.execute(db);

  // STABLE like the functions they call, so the planner inlines them (an IMMUTABLE wrapper
  // of a STABLE body is planned again at every call).
  await sql`
    CREATE FUNCTION ledger_json_time(t timestamptz) RETURNS text LANGUAGE sql STABLE AS $$
      SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
    $$
  `.execute(db);
  await sql`
    CREATE FUNCTION ledger_json_money(amount bigint, currency text) RETURNS jsonb LANGUAGE sql STABLE AS $$
      SELECT jsonb_build_object('amountMinor', amount::text, 'currency', currency)
    $$
  `.execute(db);
  await sql`
    CREATE FUNCTION ledger_refusal(reason text, message text, metadata jsonb) RETURNS jsonb LANGUAGE sql STABLE AS $$
      SELECT jsonb_build_object('refused', jsonb_build_object('reason', reason, 'message', message, 'metadata', metadata))
    $$
  `.execute(db);

  // The default system account of a kind and currency, opened on first use
  // with allow_negative; concurrent first uses agree on one (the loser's insert
  // waits on the unique index, then finds the winner's row).
  await sql`
    CREATE FUNCTION ledger_default_account(account_kind text, account_currency text) RETURNS uuid LANGUAGE plpgsql AS $$
    DECLARE
      found_id uuid;
    BEGIN
      SELECT id INTO found_id FROM accounts WHERE kind = account_kind AND currency = account_currency AND is_default;
      IF found_id IS NOT NULL THEN RETURN found_id; END IF;
      INSERT INTO accounts (id, owner_user_id, kind, currency, status, allow_negative, label, is_default, status_reason)
      VALUES (gen_random_uuid(), NULL, account_kind, account_currency, 'ACTIVE', true,
              'default-' || replace(lower(account_kind), 'system_', '') || '-' || lower(account_currency), true, '')
      ON CONFLICT (kind, currency) WHERE is_default DO NOTHING
      RETURNING id INTO found_id;
      IF found_id IS NULL THEN
        SELECT id INTO found_id FROM accounts WHERE kind = account_kind AND currency = account_currency AND is_default;
        RETURN found_id;
      END IF;
      INSERT INTO balances (account_id, currency, allow_negative) VALUES (found_id, account_currency, true);
      RETURN found_id;
    END
    $$
  `.execute(db);

  // The outbox envelope (proto3 JSON) of a posted movement. p0 and p1 are
  // the movement's two parties in the order the domain names them (see
  // movementParties): the wallet first for top-ups, withdrawals and
  // adjustments, source then destination for transfers, payer then payee
  // for refunds.
  await sql`
    CREATE FUNCTION ledger_movement_event(
      item jsonb, event_id uuid, transaction_id uuid, posted_at timestamptz, amount bigint, currency text,
      p0 uuid, p0_owner text, p0_posted bigint, p1 uuid, p1_owner text, p1_posted bigint, remaining bigint
    ) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
    BEGIN
      RETURN (SELECT jsonb_build_object(
        'eventId', event_id,
        'eventType', 'wallet.events.v1.' || name,
        'occurredAt', ledger_json_time(posted_at),
        'aggregateType', 'transaction',
        'aggregateId', transaction_id,
        'producer', 'ledger',
        field, jsonb_strip_nulls(payload))
      FROM (
        SELECT
          CASE item->>'kind' WHEN 'TOP_UP' THEN 'TopUpPosted' WHEN 'WITHDRAWAL' THEN 'WithdrawalPosted'
            WHEN 'TRANSFER' THEN 'TransferPosted' WHEN 'REFUND' THEN 'RefundPosted' ELSE 'AdjustmentPosted' END AS name,
          CASE item->>'kind' WHEN 'TOP_UP' THEN 'topUpPosted' WHEN 'WITHDRAWAL' THEN 'withdrawalPosted'
            WHEN 'TRANSFER' THEN 'transferPosted' WHEN 'REFUND' THEN 'refundPosted' ELSE 'adjustmentPosted' END AS field,
          CASE item->>'kind'
            WHEN 'TOP_UP' THEN jsonb_build_object(
              'transactionId', transaction_id, 'accountId', p0, 'ownerUserId', p0_owner, 'fundingAccountId', p1,
              'amount', ledger_json_money(amount, currency), 'externalReference', item->>'external_reference',
              'balanceAfter', ledger_json_money(p0_posted, currency), 'postedAt', ledger_json_time(posted_at))
            WHEN 'WITHDRAWAL' THEN jsonb_build_object(
              'transactionId', transaction_id, 'accountId', p0, 'ownerUserId', p0_owner, 'settlementAccountId', p1,
              'amount', ledger_json_money(amount, currency), 'externalReference', item->>'external_reference',
              'balanceAfter', ledger_json_money(p0_posted, currency), 'initiator', item->'event'->'initiator',
              'postedAt', ledger_json_time(posted_at), 'underReview', item->'event'->'underReview',
              'riskReference', item->'event'->'riskReference')
            WHEN 'TRANSFER' THEN jsonb_build_object(
              'transactionId', transaction_id, 'fromAccountId', p0, 'fromUserId', p0_owner, 'toAccountId', p1, 'toUserId', p1_owner,
              'amount', ledger_json_money(amount, currency), 'description', item->>'description', 'metadata', item->'metadata',
              'fromBalanceAfter', ledger_json_money(p0_posted, currency), 'toBalanceAfter', ledger_json_money(p1_posted, currency),
              'initiator', item->'event'->'initiator', 'underReview', item->'event'->'underReview',
              'postedAt', ledger_json_time(posted_at), 'riskReference', item->'event'->'riskReference')
            WHEN 'REFUND' THEN jsonb_build_object(
              'transactionId', transaction_id, 'originalTransactionId', item->>'original_transaction_id',
              'fromAccountId', p0, 'fromUserId', p0_owner, 'toAccountId', p1, 'toUserId', p1_owner,
              'amount', ledger_json_money(amount, currency), 'remainingRefundable', ledger_json_money(remaining, currency),
              'reason', item->>'description', 'postedAt', ledger_json_time(posted_at))
            ELSE jsonb_build_object(
              'transactionId', transaction_id, 'accountId', p0, 'ownerUserId', p0_owner, 'adjustmentsAccountId', p1,
              'direction', item->'event'->'direction', 'amount', ledger_json_money(amount, currency),
              'reasonCode', item->'event'->'reasonCode', 'reason', item->>'description',
              'balanceAfter', ledger_json_money(p0_posted, currency), 'postedAt', ledger_json_time(posted_at),
              'metadata', item->'event'->'metadata')
          END AS payload
      ) AS e);
    END
    $$
  `.execute(db);

  await sql`
    CREATE FUNCTION ledger_post_movements(items jsonb, retention_ms bigint, wait_ms integer, atomic boolean)
    RETURNS jsonb LANGUAGE plpgsql AS $$
    DECLARE
      n           integer := jsonb_array_length(items);
      results     jsonb[] := array_fill(NULL::jsonb, ARRAY[n]);
      claimed     boolean[] := array_fill(false, ARRAY[n]);
      -- Each movement's two parties (see ledger_movement_event) and, for refunds, the original's posting.
      a0          uuid[] := array_fill(NULL::uuid, ARRAY[n]);
      a1          uuid[] := array_fill(NULL::uuid, ARRAY[n]);
      o_kind      text[] := array_fill(NULL::text, ARRAY[n]);
      o_postings  integer[] := array_fill(0, ARRAY[n]);
      o_amount    bigint[] := array_fill(NULL::bigint, ARRAY[n]);
      o_currency  text[] := array_fill(NULL::text, ARRAY[n]);
      -- The locked balances (in account id order) and their accounts: the batch's working state.
      w_id        uuid[];
      w_currency  text[];
      w_allow     boolean[];
      w_posted    bigint[];
      w_held      bigint[];
      w_version   bigint[];
      w_seq       bigint[];
      w_updated   timestamptz[];
      w_changed   boolean[];
      w_kind      text[];
      w_status    text[];
      w_owner     text[];
      rec         record;
      stored      record;
      got         boolean;
      i           integer;
      it          jsonb;
      kind        text;
      amount      bigint;
      currency    text;
      refunded    bigint;
      remaining   bigint;
      refusal     jsonb;
      party       jsonb;
      pos         integer[];
      p           integer;
      s           integer;
      d           integer;
      missing     uuid;
      allowed     text;
      posted_at   timestamptz;
      tx_id       uuid;
      refused_at  integer;
      -- The rows of the posted movements, inserted together at the end (np so far).
      np          integer := 0;
      t_id        uuid[] := array_fill(NULL::uuid, ARRAY[n]);
      t_kind      text[] := array_fill(NULL::text, ARRAY[n]);
      t_desc      text[] := array_fill(NULL::text, ARRAY[n]);
      t_meta      jsonb[] := array_fill(NULL::jsonb, ARRAY[n]);
      t_ext       text[] := array_fill(NULL::text, ARRAY[n]);
      t_orig      uuid[] := array_fill(NULL::uuid, ARRAY[n]);
      t_caller    text[] := array_fill(NULL::text, ARRAY[n]);
      t_at        timestamptz[] := array_fill(NULL::timestamptz, ARRAY[n]);
      p_id        bigint[] := array_fill(NULL::bigint, ARRAY[n]);
      p_src       uuid[] := array_fill(NULL::uuid, ARRAY[n]);
      p_dst       uuid[] := array_fill(NULL::uuid, ARRAY[n]);
      p_amount    bigint[] := array_fill(NULL::bigint, ARRAY[n]);
      p_currency  text[] := array_fill(NULL::text, ARRAY[n]);
      e_src_seq   bigint[] := array_fill(NULL::bigint, ARRAY[n]);
      e_src_after bigint[] := array_fill(NULL::bigint, ARRAY[n]);
      e_dst_seq   bigint[] := array_fill(NULL::bigint, ARRAY[n]);
      e_dst_after bigint[] := array_fill(NULL::bigint, ARRAY[n]);
      o_event_id  uuid[] := array_fill(NULL::uuid, ARRAY[n]);
      o_event     jsonb[] := array_fill(NULL::jsonb, ARRAY[n]);
    BEGIN
      PERFORM set_config('lock_timeout', wait_ms || 'ms', true);

      -- 1. Idempotency keys, in (scope, key) order.
      BEGIN
        FOR rec IN
          SELECT e.ord::integer AS i, e.it FROM jsonb_array_elements(items) WITH ORDINALITY AS e(it, ord)
           ORDER BY e.it->>'scope', e.it->>'key'
        LOOP
          INSERT INTO idempotency_keys (scope, key, method, request_hash, response, expires_at)
          VALUES (rec.it->>'scope', rec.it->>'key', rec.it->>'method', decode(rec.it->>'request_hash', 'hex'), ''::bytea,
                  now() + retention_ms * interval '1 millisecond')
          ON CONFLICT (scope, key) DO UPDATE
            SET method = EXCLUDED.method, request_hash = EXCLUDED.request_hash, response = EXCLUDED.response,
                result = NULL, created_at = now(), expires_at = EXCLUDED.expires_at
            WHERE idempotency_keys.expires_at <= now()
          RETURNING true INTO got;
          IF got THEN
            claimed[rec.i] := true;
            CONTINUE;
          END IF;
          SELECT k.method, k.request_hash, k.response, k.result INTO stored
            FROM idempotency_keys k WHERE k.scope = rec.it->>'scope' AND k.key = rec.it->>'key';
          IF stored.method <> rec.it->>'method' OR stored.request_hash <> decode(rec.it->>'request_hash', 'hex') THEN
            results[rec.i] := ledger_refusal('IDEMPOTENCY_KEY_REUSED',
              format('idempotency key "%s" was already used for a different request', rec.it->>'key'),
              jsonb_build_object('idempotency_key', rec.it->>'key'));
          ELSIF stored.result IS NOT NULL THEN
            results[rec.i] := jsonb_build_object('replayed', stored.result);
          ELSIF octet_length(stored.response) > 0 THEN
            results[rec.i] := jsonb_build_object('replayed_response', encode(stored.response, 'hex'));
          ELSE
            -- Claimed by an earlier movement of this very batch.
            results[rec.i] := ledger_refusal('IDEMPOTENCY_KEY_IN_PROGRESS',
              format('a request with idempotency key "%s" is still in progress; retry shortly', rec.it->>'key'),
              jsonb_build_object('idempotency_key', rec.it->>'key'));
          END IF;
        END LOOP;
      EXCEPTION WHEN lock_not_available THEN
        RAISE EXCEPTION 'an idempotency key of this batch belongs to a request still in progress' USING ERRCODE = 'LG001';
      END;

      -- 2. The originals of refunds, in id order, before any balance.
      PERFORM 1 FROM transactions t
        WHERE t.id IN (SELECT (e.it->>'original_transaction_id')::uuid
                         FROM jsonb_array_elements(items) WITH ORDINALITY AS e(it, ord)
                        WHERE e.it->>'kind' = 'REFUND' AND results[e.ord::integer] IS NULL)
        ORDER BY t.id FOR NO KEY UPDATE;

      -- 3. The parties of each movement: named, the currency's default system account, or a refund's original sides.
      FOR rec IN SELECT e.ord::integer AS i, e.it FROM jsonb_array_elements(items) WITH ORDINALITY AS e(it, ord) LOOP
        CONTINUE WHEN results[rec.i] IS NOT NULL;
        IF rec.it->>'kind' = 'REFUND' THEN
          SELECT t.kind AS kind, count(p.id)::integer AS postings, min(p.amount) AS amount, min(p.currency::text) AS currency,
                 (array_agg(p.source_account_id))[1] AS source, (array_agg(p.destination_account_id))[1] AS destination
            INTO stored
            FROM transactions t LEFT JOIN postings p ON p.transaction_id = t.id
           WHERE t.id = (rec.it->>'original_transaction_id')::uuid
           GROUP BY t.kind;
          IF FOUND THEN
            o_kind[rec.i] := stored.kind;
            o_postings[rec.i] := stored.postings;
            o_amount[rec.i] := stored.amount;
            o_currency[rec.i] := stored.currency;
            a0[rec.i] := coalesce((rec.it->>'funding_account_id')::uuid, stored.destination);
            a1[rec.i] := stored.source;
          END IF;
        ELSE
          FOR p IN 0..1 LOOP
            party := rec.it->'parties'->p;
            IF p = 0 THEN
              a0[rec.i] := coalesce((party->>'account_id')::uuid, ledger_default_account(party->>'default_kind', rec.it->>'currency'));
            ELSE
              a1[rec.i] := coalesce((party->>'account_id')::uuid, ledger_default_account(party->>'default_kind', rec.it->>'currency'));
            END IF;
          END LOOP;
        END IF;
      END LOOP;

      -- 4. Every balance the batch touches, locked in account id order; then their accounts, read after the locks.
      SELECT array_agg(b.account_id ORDER BY b.account_id), array_agg(b.currency::text ORDER BY b.account_id),
             array_agg(b.allow_negative ORDER BY b.account_id), array_agg(b.posted ORDER BY b.account_id),
             array_agg(b.held ORDER BY b.account_id), array_agg(b.version ORDER BY b.account_id),
             array_agg(b.last_entry_sequence ORDER BY b.account_id), array_agg(b.updated_at ORDER BY b.account_id),
             array_agg(false ORDER BY b.account_id)
        INTO w_id, w_currency, w_allow, w_posted, w_held, w_version, w_seq, w_updated, w_changed
        FROM (SELECT * FROM balances WHERE account_id = ANY (a0 || a1) ORDER BY account_id FOR UPDATE) AS b;
      w_id := coalesce(w_id, '{}');
      SELECT array_agg(a.kind ORDER BY u.ord), array_agg(a.status ORDER BY u.ord), array_agg(a.owner_user_id ORDER BY u.ord)
        INTO w_kind, w_status, w_owner
        FROM unnest(w_id) WITH ORDINALITY AS u(id, ord) JOIN accounts a ON a.id = u.id;

      -- 5. Each movement in request order: the rules, in the domain's order, against the working state; then its rows.
      FOR rec IN SELECT e.ord::integer AS i, e.it FROM jsonb_array_elements(items) WITH ORDINALITY AS e(it, ord) LOOP
        i := rec.i;
        it := rec.it;
        CONTINUE WHEN results[i] IS NOT NULL;
        refusal := NULL;
        kind := it->>'kind';
        amount := (it->>'amount')::bigint;
        currency := it->>'currency';
        remaining := NULL;

        IF kind = 'REFUND' THEN
          IF o_kind[i] IS NULL THEN
            refusal := ledger_refusal('TRANSACTION_NOT_FOUND', format('no transaction %s', it->>'original_transaction_id'),
              jsonb_build_object('transaction_id', it->>'original_transaction_id'));
          ELSIF o_kind[i] NOT IN ('TRANSFER', 'HOLD_CAPTURE') OR o_postings[i] <> 1 THEN
            refusal := ledger_refusal('NOT_REFUNDABLE', format('transaction %s (%s) cannot be refunded', it->>'original_transaction_id', o_kind[i]),
              jsonb_build_object('transaction_id', it->>'original_transaction_id', 'kind', o_kind[i]));
          ELSIF currency IS NOT NULL AND currency <> o_currency[i] THEN
            refusal := ledger_refusal('CURRENCY_MISMATCH',
              format('transaction %s moved %s, the refund is in %s', it->>'original_transaction_id', o_currency[i], currency),
              jsonb_build_object('account_id', a0[i], 'currency', o_currency[i], 'amount_currency', currency));
          ELSE
            SELECT coalesce(sum(p2.amount), 0)::bigint INTO refunded
              FROM transactions t2 JOIN postings p2 ON p2.transaction_id = t2.id
             WHERE t2.original_transaction_id = (it->>'original_transaction_id')::uuid;
            -- ...and what this batch has refunded of it so far (its rows are not inserted yet).
            refunded := refunded + coalesce((SELECT sum(x.a) FROM unnest(t_orig[1:np], p_amount[1:np]) AS x(o, a)
                                              WHERE x.o = (it->>'original_transaction_id')::uuid), 0);
            currency := o_currency[i];
            amount := coalesce(amount, o_amount[i] - refunded);
            IF amount <= 0 OR amount > o_amount[i] - refunded THEN
              refusal := ledger_refusal('REFUND_EXCEEDS_ORIGINAL',
                format('transaction %s has %s left to refund, asked for %s', it->>'original_transaction_id', o_amount[i] - refunded, amount),
                jsonb_build_object('transaction_id', it->>'original_transaction_id', 'refundable_minor', (o_amount[i] - refunded)::text));
            END IF;
            remaining := o_amount[i] - refunded - amount;
          END IF;
        END IF;

        IF refusal IS NULL AND (it->>'distinct')::boolean AND a0[i] = a1[i] THEN
          refusal := ledger_refusal('SELF_TRANSFER', format('source and destination are the same account %s', a0[i]),
            jsonb_build_object('account_id', a0[i]));
        END IF;

        pos := ARRAY[array_position(w_id, a0[i]), array_position(w_id, a1[i])];
        IF refusal IS NULL AND (pos[1] IS NULL OR pos[2] IS NULL) THEN
          SELECT x INTO missing FROM unnest(ARRAY[a0[i], a1[i]]) AS x WHERE x <> ALL (w_id) ORDER BY x LIMIT 1;
          refusal := ledger_refusal('ACCOUNT_NOT_FOUND', format('no account %s', missing), jsonb_build_object('account_id', missing));
        END IF;

        IF refusal IS NULL THEN
          FOR p IN 1..2 LOOP
            party := it->'parties'->(p - 1);
            IF jsonb_typeof(party->'kinds') = 'array' AND NOT (party->'kinds' ? w_kind[pos[p]]) THEN
              SELECT string_agg(k, ' or ') INTO allowed FROM jsonb_array_elements_text(party->'kinds') AS k;
              refusal := ledger_refusal('ACCOUNT_KIND_NOT_ALLOWED',
                format('account %s (%s) cannot be the %s; expected %s', w_id[pos[p]], w_kind[pos[p]], party->>'role', allowed),
                jsonb_build_object('account_id', w_id[pos[p]], 'kind', w_kind[pos[p]]));
              EXIT;
            END IF;
          END LOOP;
        END IF;

        IF refusal IS NULL THEN
          FOR p IN 1..2 LOOP
            IF w_status[pos[p]] = 'FROZEN' THEN
              refusal := ledger_refusal('ACCOUNT_FROZEN', format('account %s is frozen', w_id[pos[p]]), jsonb_build_object('account_id', w_id[pos[p]]));
            ELSIF w_status[pos[p]] = 'CLOSED' THEN
              refusal := ledger_refusal('ACCOUNT_CLOSED', format('account %s is closed', w_id[pos[p]]), jsonb_build_object('account_id', w_id[pos[p]]));
            ELSIF w_currency[pos[p]] <> currency THEN
              refusal := ledger_refusal('CURRENCY_MISMATCH',
                format('account %s holds %s, the amount is in %s', w_id[pos[p]], w_currency[pos[p]], currency),
                jsonb_build_object('account_id', w_id[pos[p]], 'currency', w_currency[pos[p]], 'amount_currency', currency));
            END IF;
            EXIT WHEN refusal IS NOT NULL;
          END LOOP;
        END IF;

        s := pos[(it->>'source')::integer + 1];
        d := pos[2 - (it->>'source')::integer];
        IF refusal IS NULL AND NOT w_allow[s] AND w_posted[s] - w_held[s] - amount < 0 THEN
          refusal := ledger_refusal('INSUFFICIENT_FUNDS',
            format('account %s has %s %s available', w_id[s], w_posted[s] - w_held[s], w_currency[s]),
            jsonb_build_object('account_id', w_id[s]));
        END IF;

        IF refusal IS NOT NULL THEN
          results[i] := refusal;
          CONTINUE;
        END IF;

        -- Posted: the time is taken now, after the locks, so each account's entries are in time order.
        -- Its rows are collected and inserted with the batch's others, one statement per table.
        posted_at := date_trunc('milliseconds', clock_timestamp());
        tx_id := (it->>'transaction_id')::uuid;
        w_posted[s] := w_posted[s] - amount;
        w_posted[d] := w_posted[d] + amount;
        w_seq[s] := w_seq[s] + 1;
        w_seq[d] := w_seq[d] + 1;
        w_version[s] := w_version[s] + 1;
        w_version[d] := w_version[d] + 1;
        w_updated[s] := posted_at;
        w_updated[d] := posted_at;
        w_changed[s] := true;
        w_changed[d] := true;
        np := np + 1;
        t_id[np] := tx_id;
        t_kind[np] := kind;
        t_desc[np] := it->>'description';
        t_meta[np] := it->'metadata';
        t_ext[np] := coalesce(it->>'external_reference', '');
        t_orig[np] := (it->>'original_transaction_id')::uuid;
        t_caller[np] := it->>'caller';
        t_at[np] := posted_at;
        p_id[np] := nextval('postings_id_seq');
        p_src[np] := w_id[s];
        p_dst[np] := w_id[d];
        p_amount[np] := amount;
        p_currency[np] := currency;
        e_src_seq[np] := w_seq[s];
        e_src_after[np] := w_posted[s];
        e_dst_seq[np] := w_seq[d];
        e_dst_after[np] := w_posted[d];
        o_event_id[np] := (it->>'event_id')::uuid;
        o_event[np] := ledger_movement_event(it, (it->>'event_id')::uuid, tx_id, posted_at, amount, currency,
                   w_id[pos[1]], coalesce(w_owner[pos[1]], ''), w_posted[pos[1]], w_id[pos[2]], coalesce(w_owner[pos[2]], ''), w_posted[pos[2]],
                   remaining);
        results[i] := jsonb_build_object('posted', jsonb_build_object(
          'transaction', jsonb_build_object(
            'id', tx_id, 'kind', kind, 'description', it->>'description', 'metadata', it->'metadata',
            'external_reference', coalesce(it->>'external_reference', ''), 'original_transaction_id', it->>'original_transaction_id',
            'created_at', ledger_json_time(posted_at),
            'postings', jsonb_build_array(jsonb_build_object('source', w_id[s], 'destination', w_id[d], 'amount', amount::text, 'currency', currency))),
          'balances', (SELECT jsonb_agg(jsonb_build_object(
              'account_id', w_id[q], 'currency', w_currency[q], 'allow_negative', w_allow[q], 'posted', w_posted[q]::text,
              'held', w_held[q]::text, 'version', w_version[q]::text, 'last_entry_sequence', w_seq[q]::text,
              'updated_at', ledger_json_time(w_updated[q])) ORDER BY o)
            FROM unnest(pos) WITH ORDINALITY AS u(q, o)),
          'remaining_refundable', remaining::text,
          'under_review', coalesce((it->'event'->>'underReview')::boolean, false)));
      END LOOP;

      IF atomic THEN
        SELECT min(u.o) INTO refused_at FROM unnest(results) WITH ORDINALITY AS u(r, o) WHERE u.r ? 'refused';
        IF refused_at IS NOT NULL THEN
          RAISE EXCEPTION 'an atomic batch was refused' USING ERRCODE = 'LG002',
            DETAIL = jsonb_build_object('index', refused_at - 1, 'refused', results[refused_at]->'refused')::text;
        END IF;
      END IF;

      -- 6. The posted movements' rows, one statement per table.
      INSERT INTO transactions (id, kind, description, metadata, external_reference, original_transaction_id, caller, created_at)
      SELECT * FROM unnest(t_id[1:np], t_kind[1:np], t_desc[1:np], t_meta[1:np], t_ext[1:np], t_orig[1:np], t_caller[1:np], t_at[1:np]);
      INSERT INTO postings (id, transaction_id, source_account_id, destination_account_id, amount, currency, created_at)
      SELECT * FROM unnest(p_id[1:np], t_id[1:np], p_src[1:np], p_dst[1:np], p_amount[1:np], p_currency[1:np], t_at[1:np]);
      INSERT INTO entries (account_id, sequence, posting_id, transaction_id, direction, amount, balance_after, counterparty_account_id, posted_at)
      SELECT x.src, x.src_seq, x.posting, x.tx, 'DEBIT', x.amount, x.src_after, x.dst, x.at
        FROM unnest(p_src[1:np], e_src_seq[1:np], p_id[1:np], t_id[1:np], p_amount[1:np], e_src_after[1:np], p_dst[1:np], t_at[1:np])
             AS x(src, src_seq, posting, tx, amount, src_after, dst, at)
      UNION ALL
      SELECT x.dst, x.dst_seq, x.posting, x.tx, 'CREDIT', x.amount, x.dst_after, x.src, x.at
        FROM unnest(p_dst[1:np], e_dst_seq[1:np], p_id[1:np], t_id[1:np], p_amount[1:np], e_dst_after[1:np], p_src[1:np], t_at[1:np])
             AS x(dst, dst_seq, posting, tx, amount, dst_after, src, at);
      INSERT INTO outbox_events (event_id, producer, event_type, routing_key, aggregate_type, aggregate_id, payload, payload_json, occurred_at)
      SELECT x.id, 'ledger', x.ev->>'eventType', 'ledger.' || substr(x.ev->>'eventType', 18), 'transaction', x.tx::text, ''::bytea, x.ev, x.at
        FROM unnest(o_event_id[1:np], o_event[1:np], t_id[1:np], t_at[1:np]) AS x(id, ev, tx, at);

      -- 7. Each touched balance written once, with its final state.
      UPDATE balances AS b
         SET posted = v.posted, held = v.held, version = v.version, last_entry_sequence = v.seq, updated_at = v.updated
        FROM unnest(w_id, w_posted, w_held, w_version, w_seq, w_updated, w_changed) AS v(id, posted, held, version, seq, updated, changed)
       WHERE b.account_id = v.id AND v.changed;

      -- 8. Results kept for replay; the keys of refused movements forgotten.
      UPDATE idempotency_keys AS k SET result = v.r->'posted'
        FROM (SELECT e.it->>'scope' AS scope, e.it->>'key' AS key, results[e.ord::integer] AS r
                FROM jsonb_array_elements(items) WITH ORDINALITY AS e(it, ord) WHERE claimed[e.ord::integer]) AS v
       WHERE k.scope = v.scope AND k.key = v.key AND v.r ? 'posted';
      DELETE FROM idempotency_keys AS k
       USING (SELECT e.it->>'scope' AS scope, e.it->>'key' AS key, results[e.ord::integer] AS r
                FROM jsonb_array_elements(items) WITH ORDINALITY AS e(it, ord) WHERE claimed[e.ord::integer]) AS v
       WHERE k.scope = v.scope AND k.key = v.key AND NOT v.r ? 'posted';

      RETURN to_jsonb(results);
    END
    $$
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP FUNCTION ledger_post_movements(jsonb, bigint, integer, boolean)`.execute(db);
  await sql`DROP FUNCTION ledger_movement_event(jsonb, uuid, uuid, timestamptz, bigint, text, uuid, text, bigint, uuid, text, bigint, bigint)`.execute(db);
  await sql`DROP FUNCTION ledger_default_account(text, text), ledger_refusal(text, text, jsonb), ledger_json_money(bigint, text), ledger_json_time(timestamptz)`.execute(db);
  await sql`ALTER TABLE idempotency_keys DROP COLUMN result`.execute(db);
}
