import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { type ContractsCopy, copyContracts, runProtoScript } from "./contracts-copy.js";

const money = "proto/wallet/common/v1/money.proto";
const account = "proto/wallet/ledger/v1/account.proto";

describe("breaking-change check against the committed baseline", () => {
  const copies: ContractsCopy[] = [];
  const copy = (): ContractsCopy => {
    const c = copyContracts();
    copies.push(c);
    return c;
  };
  after(() => copies.forEach((c) => c.dispose()));

  test("the current contracts pass", () => {
    const result = runProtoScript("breaking.sh", copy().dir);
    assert.equal(result.status, 0, result.output);
  });

  test("changing Money.amount_minor from int64 to string fails and names the field", () => {
    const c = copy();
    c.edit(money, "int64 amount_minor = 1;", "string amount_minor = 1;");
    const result = runProtoScript("breaking.sh", c.dir);
    assert.notEqual(result.status, 0, result.output);
    assert.match(result.output, /money\.proto:\d+:\d+:.*"amount_minor" on message "Money" changed type from "int64" to "string"/);
  });

  test("renaming a ledger field fails and names the field", () => {
    const c = copy();
    c.edit(account, "string owner_user_id = 2;", "string owner_id = 2;");
    const result = runProtoScript("breaking.sh", c.dir);
    assert.notEqual(result.status, 0, result.output);
    assert.match(result.output, /account\.proto:\d+:\d+:Field "2" on message "Account" changed name from "owner_user_id" to "owner_id"/);
  });

  test("adding a field passes", () => {
    const c = copy();
    c.edit(money, "string currency = 2;", "string currency = 2;\n  // Added in a test.\n  string note = 3;");
    const result = runProtoScript("breaking.sh", c.dir);
    assert.equal(result.status, 0, result.output);
  });

  test("moving the baseline accepts an agreed break", () => {
    const c = copy();
    c.edit(money, "int64 amount_minor = 1;", "string amount_minor = 1;");
    const moved = runProtoScript("baseline.sh", c.dir);
    assert.equal(moved.status, 0, moved.output);
    const result = runProtoScript("breaking.sh", c.dir);
    assert.equal(result.status, 0, result.output);
  });
});
