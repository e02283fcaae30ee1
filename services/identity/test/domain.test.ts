import assert from "node:assert/strict";
import { test } from "node:test";
import { decideRefresh } from "../src/domain/sessions.js";
import { blockAfterFailures } from "../src/domain/throttle-policy.js";
import { tokenRoles } from "../src/domain/roles.js";
import { createSecretBox } from "../src/crypto/key-encryption.js";
import { loadCommonPasswords } from "../src/create-deps.js";

const limits = { freeAttempts: 3, lockAfter: 10, baseDelayMs: 1_000, maxDelayMs: 30_000, lockMs: 900_000, windowMs: 900_000 };

test("the first failures cost no delay, later ones double up to the ceiling, and the limit locks", () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 9, 10, 11].map((n) => blockAfterFailures(n, limits)), [0, 0, 0, 1_000, 2_000, 4_000, 30_000, 900_000, 900_000]);
});

test("an unrotated refresh token rotates, a just-rotated one answers its successor, an old one is reuse", () => {
  const now = new Date(100_000);
  assert.equal(decideRefresh({ rotatedAt: null, successorIsCurrent: false }, now, 5_000), "rotate");
  assert.equal(decideRefresh({ rotatedAt: new Date(97_000), successorIsCurrent: true }, now, 5_000), "answer-successor-again");
  assert.equal(decideRefresh({ rotatedAt: new Date(90_000), successorIsCurrent: true }, now, 5_000), "reuse-detected");
  assert.equal(decideRefresh({ rotatedAt: new Date(99_000), successorIsCurrent: false }, now, 5_000), "reuse-detected");
});

test("staff roles reach a token only with TOTP enrolled and proven", () => {
  const staff = { kind: "STAFF" as const, roles: ["admin" as const] };
  assert.deepEqual(tokenRoles(staff, false, ["pwd"]), []);
  assert.deepEqual(tokenRoles(staff, true, ["pwd"]), []);
  assert.deepEqual(tokenRoles(staff, true, ["pwd", "otp"]), ["admin"]);
  assert.deepEqual(tokenRoles({ kind: "CUSTOMER", roles: [] }, true, ["pwd", "otp"]), []);
});

test("a sealed secret opens only with its key and context", () => {
  const box = createSecretBox("a".repeat(40));
  const sealed = box.seal(Buffer.from("secret"), "ctx-1");
  assert.equal(box.open(sealed, "ctx-1").toString(), "secret");
  assert.throws(() => box.open(sealed, "ctx-2"));
  assert.throws(() => createSecretBox("b".repeat(40)).open(sealed, "ctx-1"));
});

test("the shipped common-password list holds a few hundred entries, all lower case", () => {
  const list = loadCommonPasswords();
  assert.ok(list.size >= 200, `${list.size} entries`);
  assert.ok(list.has("password123"));
});
