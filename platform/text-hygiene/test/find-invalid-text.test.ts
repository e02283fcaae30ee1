import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { StructSchema, ValueSchema } from "@bufbuild/protobuf/wkt";
import { TopUpRequestSchema, VerifyIntegrityRequestSchema } from "../../../gen/wallet/ledger/v1/ledger_service_pb.js";
import { findInvalidText, invalidTextProblem, isStorableText } from "../index.js";

test("NUL and lone surrogates are refused; paired surrogates and every other character are text", () => {
  assert.match(invalidTextProblem("ab\u0000c") ?? "", /U\+0000 \(NUL\) \(at character 2\)/);
  assert.match(invalidTextProblem("\ud800") ?? "", /lone surrogate \(U\+D800\)/);
  assert.match(invalidTextProblem("x\udc00") ?? "", /lone surrogate \(U\+DC00\)/);
  assert.match(invalidTextProblem("\udc00\ud800") ?? "", /U\+DC00/, "a low surrogate before a high one pairs with nothing");
  for (const fine of ["", "plain", "caf\u00e9", "\ud83d\ude00 emoji", "\u0001\u007f\uffff", "\ufeffBOM"]) assert.ok(isStorableText(fine), JSON.stringify(fine));
});

test("a nested string, a map value and a map key are named by their proto path", () => {
  const message = create(TopUpRequestSchema, {
    accountId: "fine",
    amount: { amountMinor: 1n, currency: "E\u0000R" },
    metadata: { ok: "fine", k: "v\u0000", "a\u0000": "v" },
  });
  assert.deepEqual(
    findInvalidText(TopUpRequestSchema, message).map((v) => v.field),
    ["amount.currency", 'metadata["k"]', 'metadata["a\\u0000"]'],
  );
  assert.equal(findInvalidText(TopUpRequestSchema, message, { names: "json" })[0]!.field, "amount.currency");
  assert.equal(findInvalidText(TopUpRequestSchema, create(TopUpRequestSchema, { idempotencyKey: "k\u0000" }), { names: "json" })[0]!.field, "idempotencyKey");
});

test("repeated strings are named by index; a clean message has no violations", () => {
  const message = create(VerifyIntegrityRequestSchema, { accountIds: ["a", "b\u0000", "c"] });
  assert.deepEqual(findInvalidText(VerifyIntegrityRequestSchema, message), [{ field: "account_ids[1]", description: "must not contain U+0000 (NUL) (at character 1)" }]);
  assert.deepEqual(findInvalidText(VerifyIntegrityRequestSchema, create(VerifyIntegrityRequestSchema, { accountIds: ["a"] })), []);
});

test("maps of messages, oneof members and lists of messages are walked at any depth", () => {
  const struct = create(StructSchema, {
    fields: {
      outer: create(ValueSchema, {
        kind: {
          case: "listValue",
          value: { values: [create(ValueSchema, { kind: { case: "stringValue", value: "ok" } }), create(ValueSchema, { kind: { case: "stringValue", value: "\ud800" } })] },
        },
      }),
    },
  });
  assert.deepEqual(findInvalidText(StructSchema, struct).map((v) => v.field), ['fields["outer"].list_value.values[1].string_value']);
});

test("the number of violations reported is bounded", () => {
  const message = create(VerifyIntegrityRequestSchema, { accountIds: Array.from({ length: 50 }, () => "\u0000") });
  assert.equal(findInvalidText(VerifyIntegrityRequestSchema, message).length, 10);
  assert.equal(findInvalidText(VerifyIntegrityRequestSchema, message, { limit: 2 }).length, 2);
});
