import { pageSize, type PageSizeLimits } from "./page-size.js";
import { decodePageToken } from "./page-token.js";

/** The paging fields of a list request (wallet.common.v1.PageRequest). */
export interface PageRequestFields {
  readonly pageSize: number;
  readonly pageToken: string;
}

/** What a service's lists share when reading page requests. */
export interface PageRules {
  /** Its default and largest page sizes. */
  readonly limits: PageSizeLimits;
  /** Its refusal of a token the list did not return (INVALID_ARGUMENT naming `page.page_token`). */
  readonly invalid: () => Error;
}

/**
 * Reads a list request's page: its size (defaulted and capped) and, past the
 * first page, the cursor `cursor` takes from the token's fields (undefined
 * when they are not the list's own, which refuses the token).
 */
export type PageParser = <T>(
  page: PageRequestFields | undefined,
  cursor: (fields: Readonly<Record<string, unknown>>) => T | undefined,
) => { limit: number; after?: T };

/**
 * A service's page parser: its size limits and its refusal fixed once, each
 * list passing only its own cursor. An empty token means the first page.
 */
export function createPageParser(rules: PageRules): PageParser {
  return (page, cursor) => {
    const limit = pageSize(page?.pageSize, rules.limits);
    return page?.pageToken ? { limit, after: decodePageToken(page.pageToken, cursor, rules.invalid) } : { limit };
  };
}
