/**
 * The values an attacker tries first, as fast-check arbitraries: text that
 * PostgreSQL cannot store, boundary and overflowing numbers, wrong types,
 * deep nesting and path tricks. Each arbitrary mixes them with plausible
 * values so that requests also get past the first check and reach deeper code.
 */
import fc from "fast-check";

/** Strings that break naive code: NUL, lone surrogates, control and bidi characters, huge, SQL and path looking. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  // Text PostgreSQL cannot store, hidden inside plausible values too.
  fc.tuple(fc.constantFrom("\u0000", "\ud800", "\udc00"), fc.stringMatching(/^[a-z@.]{0,12}$/), fc.nat(12)).map(([bad, around, at]) => around.slice(0, at) + bad + around.slice(at)),
  fc.constantFrom(
    "\u0000",
    "a\u0000b",
    "\ud800",
    "x\udfffy",
    "\uffff",
    "\u202e",
    "\r\n",
    "' OR 1=1 --",
    "%00",
    "%ZZ",
    "../../etc/passwd",
    "..%2f..%2f",
    "${jndi:ldap://x}",
    "{{7*7}}",
    "<script>",
    "",
    " ",
    "😀",
    "null",
    "00000000-0000-0000-0000-000000000000",
  ),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.integer({ min: 101, max: 70_000 }).map((n) => "x".repeat(n)),
);

/** Any string, hostile ones often. */
export const anyString: fc.Arbitrary<string> = fc.oneof({ weight: 2, arbitrary: hostileString }, { weight: 1, arbitrary: fc.string({ maxLength: 30 }) });

/** What goes where an int64 decimal string belongs (and beyond it). */
export const int64Text: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("0", "-1", "1", "9223372036854775807", "9223372036854775808", "-9223372036854775809", "18446744073709551616", "1e3", "0x10", "1.5", " 5", "+5", "-0", "99999999999999999999999999999"),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  anyString,
);

/** Numbers, including the ones JSON allows and protobuf does not. */
export const anyNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -1, 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 32, 2 ** 53, -(2 ** 53), 1e308, -1e308, 0.5, Number.MAX_SAFE_INTEGER + 2),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** A value of the wrong JSON type for whatever field it lands in, or nested far too deep. */
export const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, [], {}, [[[]]], { "": null }, { __proto__: { polluted: true } }, { constructor: { prototype: { polluted: true } } }),
  anyNumber,
  anyString,
  fc.integer({ min: 20, max: 200 }).map((depth) => deepNesting(depth)),
);

/** `{"a":{"a":...}}` `depth` levels deep. */
export function deepNesting(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

/** Content types a client may send instead of JSON. */
export const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 6, arbitrary: fc.constant("application/json") },
  {
    weight: 1,
    arbitrary: fc.constantFrom(undefined, "text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1", "multipart/form-data; boundary=x", "application/problem+json", "APPLICATION/JSON", "application/json\u0000"),
  },
);
