import { z } from "zod";

/** What a configuration field expects, for error messages. */
export interface FieldInfo {
  /** The expected form, completing "X must be ...", e.g. "a postgres:// URL". */
  readonly expected: string;
  /**
   * How to show a rejected raw value. Returns undefined to hide it entirely
   * (secrets); URLs mask their credentials. Defaults to the raw value.
   */
  readonly show?: (raw: string) => string | undefined;
}

/** Registry linking field schemas built in fields.ts to their descriptions. */
export const fieldInfo = z.registry<FieldInfo>();

/**
 * Finds the FieldInfo for a schema, looking through wrappers a caller may
 * add (`.optional()`, `.default()`, `.nullable()`, pipes).
 */
export function lookupFieldInfo(schema: z.ZodType | undefined): FieldInfo | undefined {
  let current: unknown = schema;
  for (let depth = 0; current !== undefined && depth < 8; depth++) {
    const found = fieldInfo.get(current as z.ZodType);
    if (found) return found;
    const def = (current as { _zod?: { def?: { innerType?: unknown; in?: unknown } } })._zod?.def;
    current = def?.innerType ?? def?.in;
  }
  const description = (schema as { description?: string } | undefined)?.description;
  return description ? { expected: description } : undefined;
}
