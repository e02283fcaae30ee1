import { create, type DescMessage, type Message } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { BadRequestSchema } from "../../gen/google/rpc/error_details_pb.js";
import { errorInfoDetail } from "../errors/error-info.js";
import { findInvalidText, type TextViolation } from "./find-invalid-text.js";

/** google.rpc.ErrorInfo domain of the refusals the platform makes for every service. */
export const PLATFORM_ERROR_DOMAIN = "wallet.platform";

/** ErrorInfo reason (and FieldViolation reason) of a string that cannot be stored. */
export const INVALID_TEXT_REASON = "INVALID_TEXT";

/**
 * The refusal of a request holding strings that cannot be stored:
 * `InvalidArgument` with the first field in the message, a
 * `google.rpc.ErrorInfo` (INVALID_TEXT, metadata `field`) and a
 * `google.rpc.BadRequest` listing every violation found.
 */
export function invalidTextError(violations: readonly TextViolation[]): ConnectError {
  const [first] = violations;
  if (!first) throw new Error("invalidTextError needs at least one violation");
  const more = violations.length > 1 ? ` (and ${violations.length - 1} more field${violations.length > 2 ? "s" : ""})` : "";
  return new ConnectError(`${first.field}: ${first.description}${more}`, Code.InvalidArgument, undefined, [
    errorInfoDetail(INVALID_TEXT_REASON, PLATFORM_ERROR_DOMAIN, { field: first.field }),
    {
      desc: BadRequestSchema,
      value: create(BadRequestSchema, {
        fieldViolations: violations.map((v) => ({ field: v.field, description: v.description, reason: INVALID_TEXT_REASON })),
      }),
    },
  ]);
}

/** Throws {@link invalidTextError} when a request message holds a string that cannot be stored. */
function assertStorable(schema: DescMessage, message: Message): void {
  const violations = findInvalidText(schema, message);
  if (violations.length > 0) throw invalidTextError(violations);
}

/**
 * A server interceptor refusing, before the handler runs, every request
 * message (unary, or each message of a client stream) with a string that
 * PostgreSQL's text type cannot store: a NUL or a lone surrogate, in any
 * field at any depth (see {@link findInvalidText}). Field paths use proto
 * names, as the services' own InvalidArgument errors do.
 */
export function createTextHygieneInterceptor(): Interceptor {
  return (next) => async (req) => {
    const schema = req.method.input;
    if (!req.stream) {
      assertStorable(schema, req.message);
      return next(req);
    }
    const source = req.message;
    async function* checked() {
      for await (const message of source) {
        assertStorable(schema, message);
        yield message;
      }
    }
    return next({ ...req, message: checked() });
  };
}
