/**
 * What a string may not hold to be stored in a PostgreSQL `text` column and
 * sent over protobuf: NUL (U+0000), which PostgreSQL refuses (SQLSTATE 22021),
 * and lone UTF-16 surrogates, which have no UTF-8 form (the driver would
 * silently store U+FFFD instead). Every other code point is storable in a
 * UTF-8 database.
 */

/** The first NUL or lone surrogate of a string (code units, no `u` flag). */
const INVALID_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** `U+D800`, for messages. */
const codePoint = (unit: number) => `U+${unit.toString(16).toUpperCase().padStart(4, "0")}`;

/**
 * Why `text` cannot be stored, or undefined when it can: "must not contain
 * U+0000 (NUL)" or "must not contain a lone surrogate (U+D800)", with the
 * character's position.
 */
export function invalidTextProblem(text: string): string | undefined {
  const match = INVALID_TEXT.exec(text);
  if (!match) return undefined;
  const unit = match[0].charCodeAt(0);
  const what = unit === 0 ? "U+0000 (NUL)" : `a lone surrogate (${codePoint(unit)})`;
  return `must not contain ${what} (at character ${match.index})`;
}

/** True when `text` holds no NUL and no lone surrogate. */
export function isStorableText(text: string): boolean {
  return !INVALID_TEXT.test(text);
}
