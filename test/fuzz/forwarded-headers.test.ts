/** The user headers of the fuzzer's gRPC calls, without a mesh: what each real caller forwards, and the hostile variants. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FUZZ_CLIENT_IP } from "./client-address.js";
import { forwardedHeaders } from "./forwarded-headers.js";

const users = { customer: { subject: "customer-id", token: "customer.jwt" }, staff: { subject: "staff-id", token: "staff.jwt" } };
const BACKOFFICE = "wallet.backoffice.v1.BackofficeService";
const BFF = "wallet.bff.v1.MobileBffService";
const IDENTITY = "wallet.identity.v1.IdentityService";
const LEDGER = "wallet.ledger.v1.LedgerService";

describe("the user headers of the fuzzer's gRPC calls", () => {
  test("the edge forwards the staff member's subject and bearer to the backoffice, the customer's to the BFF", () => {
    const staff = forwardedHeaders(BACKOFFICE, "gateway", "as-forwarded", users);
    assert.equal(staff.headers["x-internal-subject"], "staff-id");
    assert.equal(staff.headers.authorization, "Bearer staff.jwt");
    assert.equal(staff.tokenOf, "staff");
    const customer = forwardedHeaders(BFF, "gateway", "as-forwarded", users);
    assert.equal(customer.headers["x-internal-subject"], "customer-id");
    assert.equal(customer.headers.authorization, "Bearer customer.jwt");
    assert.equal(customer.tokenOf, "customer");
  });

  test("the BFF forwards its customer's bearer to identity only, the backoffice forwards the staff id and no bearer", () => {
    assert.equal(forwardedHeaders(IDENTITY, "mobile-bff", "as-forwarded", users).headers.authorization, "Bearer customer.jwt");
    const toLedger = forwardedHeaders(LEDGER, "mobile-bff", "as-forwarded", users);
    assert.equal(toLedger.headers["x-internal-subject"], "customer-id");
    assert.equal(toLedger.headers.authorization, undefined);
    const fromBackoffice = forwardedHeaders(LEDGER, "backoffice", "as-forwarded", users);
    assert.deepEqual(fromBackoffice.headers, { "x-client-ip": FUZZ_CLIENT_IP, "x-internal-subject": "staff-id" });
    assert.equal(fromBackoffice.tokenOf, undefined);
  });

  test("callers that act for no user (payments, the ledger) forward none, whatever the variant", () => {
    assert.deepEqual(forwardedHeaders(LEDGER, "payments", "other-user", users), { headers: {} });
  });

  test("the hostile variants send no user, an unsigned token claiming the subject, the other user's subject, or the other user", () => {
    assert.equal(forwardedHeaders(BACKOFFICE, "gateway", "no-user", users).headers["x-internal-subject"], undefined);
    const unsigned = forwardedHeaders(BACKOFFICE, "gateway", "unsigned-token", users);
    const [header, payload, signature] = unsigned.headers.authorization!.replace(/^Bearer /, "").split(".");
    assert.equal(JSON.parse(Buffer.from(header!, "base64url").toString()).alg, "none");
    assert.equal(JSON.parse(Buffer.from(payload!, "base64url").toString()).sub, "staff-id");
    assert.equal(signature, "");
    assert.equal(unsigned.tokenOf, undefined);
    const mismatched = forwardedHeaders(BACKOFFICE, "gateway", "other-subject", users);
    assert.deepEqual([mismatched.headers["x-internal-subject"], mismatched.headers.authorization], ["customer-id", "Bearer staff.jwt"]);
    const other = forwardedHeaders(BACKOFFICE, "gateway", "other-user", users);
    assert.deepEqual([other.headers["x-internal-subject"], other.headers.authorization, other.tokenOf], ["customer-id", "Bearer customer.jwt", "customer"]);
  });
});
