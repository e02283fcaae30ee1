/**
 * The fields of a page token: where the last page ended, in the list's own
 * order. JSON-safe scalars only, so a token survives the round trip exactly.
 */
export type PageTokenFields = Readonly<Record<string, string | number>>;

/**
 * A cursor as an opaque page token (base64url JSON). Clients only hand it
 * back; its shape stays the service's business and can change with the list.
 */
export function encodePageToken(cursor: PageTokenFields): string {
  return Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

/**
 * The cursor inside a page token. `parse` checks the fields the list wrote and
 * returns undefined when they are not its own; `invalid` builds the service's
 * refusal (its INVALID_ARGUMENT naming `page.page_token`), thrown for a token
 * that is not base64url JSON of an object or that `parse` refuses, so each
 * service keeps the error its clients already see.
 */
export function decodePageToken<T>(
  token: string,
  parse: (fields: Readonly<Record<string, unknown>>) => T | undefined,
  invalid: () => Error,
): T {
  const fields = tokenFields(token);
  const cursor = fields === undefined ? undefined : parse(fields);
  if (cursor === undefined) throw invalid();
  return cursor;
}

/** The JSON object a token holds, or undefined when it holds none. */
function tokenFields(token: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as unknown;
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    // Not JSON: a token some other list (or no list) returned.
    return undefined;
  }
}
