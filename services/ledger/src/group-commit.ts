/**
 * Group commit: work items that arrive while a batch is being committed wait
 * and go together in the next one, so many movements share one database
 * call and one commit. An idle queue runs an item at once: a lone request is
 * never delayed. At most `maxBatch` items go in one batch, and two items with
 * the same key never share one (the second waits for the first's batch, and
 * then replays its result).
 */

/** How a batch is run: one result (or error) per item, in order. */
export type RunBatch<In, Out> = (items: readonly In[]) => Promise<ReadonlyArray<Out | BatchItemError>>;

/** An item of a batch that failed on its own; the others keep their results. */
export class BatchItemError {
  constructor(readonly error: unknown) {}
}

/** Options of {@link createGroupCommit}. */
export interface GroupCommitOptions<In, Out> {
  readonly run: RunBatch<In, Out>;
  /** Largest batch. */
  readonly maxBatch: number;
  /** Batches in flight at once (1: one commit at a time). */
  readonly concurrency?: number;
  /** Items with equal keys never share a batch. */
  readonly keyOf: (item: In) => string;
  /** Called with the size of every batch run, for metrics. */
  readonly onBatch?: (size: number) => void;
}

/** A group-commit queue. */
export interface GroupCommit<In, Out> {
  /** Queues one item; settles with its own result. */
  submit(item: In): Promise<Out>;
  /** Items queued and not yet in a batch. */
  readonly waiting: number;
}

interface Waiter<In, Out> {
  readonly item: In;
  readonly resolve: (out: Out) => void;
  readonly reject: (error: unknown) => void;
}

export function createGroupCommit<In, Out>(options: GroupCommitOptions<In, Out>): GroupCommit<In, Out> {
  const concurrency = options.concurrency ?? 1;
  const queue: Waiter<In, Out>[] = [];
  let inFlight = 0;

  /** Takes up to maxBatch waiters with distinct keys, in arrival order. */
  function takeBatch(): Waiter<In, Out>[] {
    const batch: Waiter<In, Out>[] = [];
    const keys = new Set<string>();
    for (let i = 0; i < queue.length && batch.length < options.maxBatch; ) {
      const key = options.keyOf(queue[i]!.item);
      if (keys.has(key)) {
        i++;
        continue;
      }
      keys.add(key);
      batch.push(queue.splice(i, 1)[0]!);
    }
    return batch;
  }

  function pump(): void {
    while (inFlight < concurrency && queue.length > 0) {
      const batch = takeBatch();
      inFlight++;
      options.onBatch?.(batch.length);
      void runOne(batch).finally(() => {
        inFlight--;
        pump();
      });
    }
  }

  async function runOne(batch: Waiter<In, Out>[]): Promise<void> {
    try {
      const results = await options.run(batch.map((w) => w.item));
      batch.forEach((waiter, i) => {
        const result = results[i];
        if (result instanceof BatchItemError) waiter.reject(result.error);
        else if (i >= results.length) waiter.reject(new Error("a batch answered fewer results than items"));
        else waiter.resolve(result as Out);
      });
    } catch (err) {
      for (const waiter of batch) waiter.reject(err);
    }
  }

  return {
    submit(item) {
      return new Promise<Out>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        pump();
      });
    },
    get waiting() {
      return queue.length;
    },
  };
}
