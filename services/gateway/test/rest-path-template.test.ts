import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { compilePathMatcher, parsePathTemplate, toFastifyPath, toOpenApiPath } from "../src/rest/path-template.js";

describe("google.api.http path templates", () => {
  test("a simple variable becomes a fastify parameter and an OpenAPI {param}", () => {
    const template = parsePathTemplate("/v1/accounts/{account_id}/balance");
    assert.equal(toFastifyPath(template), "/v1/accounts/:account_id/balance");
    assert.equal(toOpenApiPath(template), "/v1/accounts/{account_id}/balance");
    assert.deepEqual(compilePathMatcher(template)("/v1/accounts/a%20b/balance"), new Map([["account_id", "a b"]]));
  });

  test("a nested field path variable keeps its dots in OpenAPI and loses them in fastify", () => {
    const template = parsePathTemplate("/v1/{page.page_token}/items");
    assert.equal(toFastifyPath(template), "/v1/:page_page_token/items");
    assert.equal(toOpenApiPath(template), "/v1/{page.page_token}/items");
    assert.deepEqual(compilePathMatcher(template)("/v1/tok/items"), new Map([["page.page_token", "tok"]]));
  });

  test("a multi-segment variable captures its literal segments and keeps %2F encoded", () => {
    const template = parsePathTemplate("/v1/{name=shelves/*/books/*}");
    assert.equal(toOpenApiPath(template), "/v1/{name}");
    assert.equal(toFastifyPath(template), "/v1/shelves/:name_1/books/:name_3");
    const match = compilePathMatcher(template);
    assert.deepEqual(match("/v1/shelves/s1/books/b%2F2"), new Map([["name", "shelves/s1/books/b%2F2"]]));
    assert.equal(match("/v1/shelves/s1/papers/b2"), undefined);
  });

  test("a trailing ** variable captures the rest of the path", () => {
    const template = parsePathTemplate("/v1/files/{path=**}");
    assert.equal(toFastifyPath(template), "/v1/files/*");
    assert.deepEqual(compilePathMatcher(template)("/v1/files/a/b/c.txt"), new Map([["path", "a/b/c.txt"]]));
  });

  test("a verb after a variable is matched by the template, not by fastify", () => {
    const template = parsePathTemplate("/v1/widgets/{id}:polish");
    assert.equal(toFastifyPath(template), "/v1/widgets/:id");
    assert.equal(toOpenApiPath(template), "/v1/widgets/{id}:polish");
    const match = compilePathMatcher(template);
    assert.deepEqual(match("/v1/widgets/w1:polish"), new Map([["id", "w1"]]));
    assert.equal(match("/v1/widgets/w1"), undefined);
  });

  test("a verb after a literal segment is an escaped colon in fastify", () => {
    assert.equal(toFastifyPath(parsePathTemplate("/v1/widgets:batchGet")), "/v1/widgets::batchGet");
  });

  test("malformed templates are refused with the template named", () => {
    for (const bad of ["v1/no-slash", "/v1/{unclosed", "/v1/**/tail", "/v1//double", "/v1/{a}/{a}", "/v1/{a-b}"]) {
      assert.throws(() => parsePathTemplate(bad), new RegExp(bad.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")), bad);
    }
  });
});
