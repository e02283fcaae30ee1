import assert from "node:assert/strict";
import { test } from "node:test";
import { withSearchPath } from "../search-path.js";

test("a search path is added to a URL's options after the ones it already carries", () => {
  const plain = new URL(withSearchPath("postgres://u:p@db:5432/wallet_backoffice", "audit_export"));
  assert.equal(plain.searchParams.get("options"), "-c search_path=audit_export");
  const withOptions = new URL(withSearchPath("postgres://u@db/wallet?sslmode=require&options=-c%20statement_timeout%3D5000", "audit_export"));
  assert.equal(withOptions.searchParams.get("options"), "-c statement_timeout=5000 -c search_path=audit_export");
  assert.equal(withOptions.searchParams.get("sslmode"), "require");
});

test("a search path that is not a plain schema name is refused", () => {
  assert.throws(() => withSearchPath("postgres://db/wallet", "audit_export,public"), /not a plain schema name/);
  assert.throws(() => withSearchPath("postgres://db/wallet", "Audit Export"), /not a plain schema name/);
});
