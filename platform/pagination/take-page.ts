import { encodePageToken, type PageTokenFields } from "./page-token.js";

/** One page of a list and the token of the next ("" on the last page). */
export interface Page<Row> {
  readonly items: Row[];
  readonly nextPageToken: string;
}

/**
 * The rows to fetch for a page of `limit`: one more than the page, so that
 * row's presence says whether another page exists without a COUNT.
 */
export function fetchLimit(limit: number): number {
  return limit + 1;
}

/**
 * A page from rows fetched with `fetchLimit(limit)`: the first `limit`, and a
 * next token from the cursor of the last one kept when more rows came back.
 */
export function takePage<Row>(rows: readonly Row[], limit: number, cursorOf: (last: Row) => PageTokenFields): Page<Row> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextPageToken: rows.length > limit && last !== undefined ? encodePageToken(cursorOf(last)) : "" };
}
