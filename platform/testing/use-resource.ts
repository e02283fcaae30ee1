import { after, before } from "node:test";

/**
 * Ties a per-file resource to node:test hooks and returns an async accessor.
 *
 * The accessor is async on purpose: on Node 20, top-level `before` hooks are
 * started as they are registered and do not wait for each other, so a hook
 * that needs the resource must `await` it rather than assume an earlier hook
 * finished. Creation starts in `before` (or on first access) and happens
 * once; `after` releases it.
 */
export function useResource<T>(create: () => Promise<T>, release: (resource: T) => Promise<void>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  const get = () => (pending ??= create());
  before(async () => {
    await get();
  });
  after(async () => {
    if (!pending) return;
    const resource = await pending.catch(() => undefined);
    if (resource !== undefined) await release(resource);
  });
  return get;
}
