import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createPageParser, decodePageToken, encodePageToken, fetchLimit, pageSize, takePage } from "../index.js";

const limits = { default: 20, max: 100 };

/** A service's refusal of a bad token, to see that it is the one thrown. */
class BadToken extends Error {}
const invalid = () => new BadToken("page.page_token: is not a token this list returned");

/** Token fields as an `{ id }` cursor, refusing anything else. */
const idCursor = (fields: Readonly<Record<string, unknown>>) => (typeof fields.id === "string" ? fields.id : undefined);

/** A token holding `value` as JSON, whatever it is. */
const tokenOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

describe("pageSize", () => {
  it("gives the default when the request sets no page size", () => {
    assert.equal(pageSize(undefined, limits), 20);
    assert.equal(pageSize(0, limits), 20);
  });

  it("gives the default for a negative page size", () => {
    assert.equal(pageSize(-5, limits), 20);
  });

  it("keeps a page size within the limit", () => {
    assert.equal(pageSize(7, limits), 7);
  });

  it("caps a page size above the limit at the limit", () => {
    assert.equal(pageSize(1_000, limits), 100);
  });
});

describe("page tokens", () => {
  it("decodes an encoded cursor to the same fields", () => {
    const token = encodePageToken({ c: 1_700_000_000_000, i: "a" });
    assert.deepEqual(decodePageToken(token, (fields) => fields, invalid), { c: 1_700_000_000_000, i: "a" });
  });

  it("encodes a cursor as base64url JSON, the format tokens already issued carry", () => {
    assert.equal(encodePageToken({ id: "42" }), Buffer.from('{"id":"42"}').toString("base64url"));
  });

  it("throws the caller's error for a token that is not base64url JSON", () => {
    assert.throws(() => decodePageToken("not-a-token", idCursor, invalid), BadToken);
  });

  it("throws the caller's error for a token holding JSON that is not an object", () => {
    assert.throws(() => decodePageToken(tokenOf("text"), idCursor, invalid), BadToken);
    assert.throws(() => decodePageToken(tokenOf(null), idCursor, invalid), BadToken);
  });

  it("throws the caller's error when the list's parser refuses the fields", () => {
    assert.throws(() => decodePageToken(tokenOf({ id: 7 }), idCursor, invalid), BadToken);
  });
});

describe("createPageParser", () => {
  const parsePage = createPageParser({ limits, invalid });

  it("reads a missing page as the first page of the default size", () => {
    assert.deepEqual(parsePage(undefined, idCursor), { limit: 20 });
  });

  it("reads an empty token as the first page", () => {
    assert.deepEqual(parsePage({ pageSize: 5, pageToken: "" }, idCursor), { limit: 5 });
  });

  it("caps the page size at the service's limit", () => {
    assert.deepEqual(parsePage({ pageSize: 500, pageToken: "" }, idCursor), { limit: 100 });
  });

  it("reads a token as the cursor the list wrote into it", () => {
    assert.deepEqual(parsePage({ pageSize: 5, pageToken: encodePageToken({ id: "r-9" }) }, idCursor), { limit: 5, after: "r-9" });
  });

  it("refuses a token the list did not write with the caller's error", () => {
    assert.throws(() => parsePage({ pageSize: 5, pageToken: "garbage" }, idCursor), BadToken);
  });
});

describe("takePage", () => {
  const rows = [{ id: "a" }, { id: "b" }, { id: "c" }];
  const cursorOf = (row: { id: string }) => ({ id: row.id });

  it("fetches one row more than the page", () => {
    assert.equal(fetchLimit(2), 3);
  });

  it("keeps the first rows up to the limit and points the next token after the last one kept", () => {
    const page = takePage(rows, 2, cursorOf);
    assert.deepEqual(page.items, [{ id: "a" }, { id: "b" }]);
    assert.equal(decodePageToken(page.nextPageToken, idCursor, invalid), "b");
  });

  it("gives no next token when no more rows came back than the limit", () => {
    assert.deepEqual(takePage(rows, 3, cursorOf), { items: rows, nextPageToken: "" });
  });

  it("gives an empty page and no next token for no rows", () => {
    assert.deepEqual(takePage([], 3, cursorOf), { items: [], nextPageToken: "" });
  });
});
