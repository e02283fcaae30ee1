/** Why the edge refused a request before calling upstream; the reason of its problem body. */
export type RequestErrorReason = "UNKNOWN_FIELD" | "INVALID_FIELD" | "INVALID_TEXT" | "INVALID_BODY";

/**
 * A request the edge refuses with 400 before any upstream call: an unknown
 * field, a value of the wrong type, a string that cannot be stored (NUL, lone
 * surrogate), a body that is not a JSON object. Names
 * the field (as the client wrote it) so the problem body can point at it.
 */
export class RequestFieldError extends Error {
  constructor(
    readonly reason: RequestErrorReason,
    /** The field path as the client wrote it (`amount.units`, `entries[0].channel`); empty for the whole body. */
    readonly field: string,
    /** What is wrong, for the problem's detail. */
    readonly problem: string,
  ) {
    super(field === "" ? problem : `${field}: ${problem}`);
    this.name = "RequestFieldError";
  }
}

/** An unknown field. */
export function unknownField(field: string, where = "field"): RequestFieldError {
  return new RequestFieldError("UNKNOWN_FIELD", field, `unknown ${where} "${field}"`);
}

/** A field with a value of the wrong type or form. */
export function invalidField(field: string, problem: string): RequestFieldError {
  return new RequestFieldError("INVALID_FIELD", field, problem);
}

/** A string PostgreSQL's text type cannot store (see `#platform/text-hygiene`). */
export function invalidText(field: string, problem: string): RequestFieldError {
  return new RequestFieldError("INVALID_TEXT", field, problem);
}
