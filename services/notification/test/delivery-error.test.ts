/** What a failed send leaves in `last_error` and the logs. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { describeDeliveryError, isPermanent, scrubProviderMessage } from "../src/delivery/delivery-error.js";
import { ProviderError } from "../src/delivery/providers/provider.js";

test("a provider message loses email addresses, long digit runs, tokens and URLs", () => {
  const scrubbed = scrubProviderMessage(
    "550 rejected <frank@example.test> to +1 555 123 4567 code 123456 key sk_live_ABCDEFGHIJKLMNOPQRSTUV at https://user:pw@gw.test/x?t=1",
  );
  assert.equal(scrubbed, "550 rejected <<address>> to <digits> code <digits> key <token> at <url>");
});

test("a long provider message is cut short", () => {
  assert.ok(scrubProviderMessage("word ".repeat(100)).length <= 161);
});

test("an error is described by its class, code and status, never its extra fields", () => {
  const error = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1025"), { code: "ECONNECTION", rejected: ["gina@example.test"] });
  assert.equal(describeDeliveryError(error), "Error ECONNECTION: connect ECONNREFUSED 127.0.0.1:1025");
  assert.equal(describeDeliveryError(new ProviderError("gateway refused the request", true, 400)), "ProviderError 400: gateway refused the request");
});

test("only a ProviderError marked permanent is permanent", () => {
  assert.equal(isPermanent(new ProviderError("no push tokens", true)), true);
  assert.equal(isPermanent(new ProviderError("gateway refused the request", false, 503)), false);
  assert.equal(isPermanent(new DOMException("timed out", "TimeoutError")), false);
});
