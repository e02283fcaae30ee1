import assert from "node:assert/strict";
import { test } from "node:test";
import { Code } from "@connectrpc/connect";
import { AccountStatus } from "#gen/wallet/bff/v1/account_pb.js";
import { device, PASSWORD, uniqueEmail } from "../../identity/test/support/identity-harness.js";
import { refusal, useBffMesh } from "./support/bff-harness.js";

const mesh = useBffMesh({ settings: { featureFlags: { newStatement: true, cards: false } } });

test("onboard signs the user up and opens their first wallet in the chosen currency", async () => {
  const m = await mesh();
  const res = await m.bff().onboard({ email: uniqueEmail(), password: PASSWORD, device: device(), currency: "USD" });
  assert.match(res.userId, /^[0-9a-f-]{36}$/);
  assert.equal(res.account?.currency, "USD");
  assert.equal(res.account?.status, AccountStatus.ACTIVE);
  assert.equal(res.account?.balance?.available?.amountMinor, 0n);
});

test("onboard passes identity's refusal of a registered email through", async () => {
  const m = await mesh();
  const email = uniqueEmail();
  await m.bff().onboard({ email, password: PASSWORD, device: device(), currency: "EUR" });
  const refused = await refusal(m.bff().onboard({ email, password: PASSWORD, device: device(), currency: "EUR" }));
  assert.equal(refused.code, Code.AlreadyExists);
  assert.equal(refused.reason, "EMAIL_ALREADY_REGISTERED");
});

test("onboard refuses a malformed currency before signing anyone up", async () => {
  const m = await mesh();
  const email = uniqueEmail();
  const refused = await refusal(m.bff().onboard({ email, password: PASSWORD, device: device(), currency: "euro" }));
  assert.equal(refused.code, Code.InvalidArgument);
  assert.equal(refused.metadata.field, "currency");
  const retry = await m.bff().onboard({ email, password: PASSWORD, device: device(), currency: "EUR" });
  assert.ok(retry.account);
});

test("bootstrap answers the profile, wallets with balances, MFA status, flags and server time", async () => {
  const m = await mesh();
  const user = await m.customer();
  const res = await user.bff.bootstrap({});
  assert.equal(res.profile?.userId, user.userId);
  assert.equal(res.profile?.email, user.email);
  assert.equal(res.accounts.length, 1);
  assert.equal(res.accounts[0]?.currency, "EUR");
  assert.equal(res.mfa?.totpEnrolled, false);
  assert.deepEqual(res.featureFlags, { newStatement: true, cards: false });
  assert.ok(res.serverTime);
});

test("bootstrap opens a wallet in the default currency for a user who has none", async () => {
  const m = await mesh();
  const user = await m.signUpWithoutWallet();
  const res = await user.bff.bootstrap({});
  assert.deepEqual(res.accounts.map((a) => a.currency), ["EUR"]);
  const again = await user.bff.bootstrap({});
  assert.deepEqual(again.accounts.map((a) => a.id), res.accounts.map((a) => a.id));
});

test("bootstrap opens the wallet in the currency onboarding could not open it in", async () => {
  const m = await mesh();
  const user = await m.signUpWithoutWallet();
  await m.bffDeps.onboarding.remember(user.userId, "GBP");
  const res = await user.bff.bootstrap({});
  assert.deepEqual(res.accounts.map((a) => a.currency), ["GBP"]);
  assert.equal(await m.bffDeps.onboarding.recall(user.userId), undefined, "forgotten once opened");
});

test("bootstrap without the user's access token is refused as unauthenticated", async () => {
  const m = await mesh();
  const user = await m.customer();
  const refused = await refusal(m.bff({ subject: user.userId }).bootstrap({}));
  assert.equal(refused.code, Code.Unauthenticated);
  assert.equal(refused.reason, "TOKEN_INVALID");
});

test("a call without a forwarded subject is refused as unauthenticated", async () => {
  const m = await mesh();
  const refused = await refusal(m.bff().listAccounts({}));
  assert.equal(refused.code, Code.Unauthenticated);
});

test("open account creates a wallet in a new currency and answers the existing one on retry", async () => {
  const m = await mesh();
  const user = await m.customer();
  const first = await user.bff.openAccount({ currency: "CHF" });
  assert.equal(first.created, true);
  const second = await user.bff.openAccount({ currency: "chf" });
  assert.equal(second.created, false);
  assert.equal(second.account?.id, first.account?.id);
  const list = await user.bff.listAccounts({});
  assert.deepEqual(list.accounts.map((a) => a.currency), ["EUR", "CHF"]);
});

test("concurrent opens of one currency converge on one wallet", async () => {
  const m = await mesh();
  const user = await m.customer();
  const results = await Promise.all([1, 2, 3, 4].map(() => user.bff.openAccount({ currency: "JPY" })));
  assert.equal(new Set(results.map((r) => r.account?.id)).size, 1);
  assert.equal((await user.bff.listAccounts({})).accounts.filter((a) => a.currency === "JPY").length, 1);
});

test("get balance answers posted, held and available of the caller's account", async () => {
  const m = await mesh();
  const user = await m.customer();
  const [account] = (await user.bff.listAccounts({})).accounts;
  await m.topUp(account!.id, 2_500n);
  const res = await user.bff.getBalance({ accountId: account!.id });
  assert.equal(res.balance?.posted?.amountMinor, 2_500n);
  assert.equal(res.balance?.held?.amountMinor, 0n);
  assert.equal(res.balance?.available?.amountMinor, 2_500n);
  assert.ok(res.balance?.asOf);
});

test("another user's balance answers NotFound exactly like an unknown account", async () => {
  const m = await mesh();
  const [alice, bob] = await Promise.all([m.customer(), m.customer()]);
  const [bobAccount] = (await bob.bff.listAccounts({})).accounts;
  const theirs = await refusal(alice.bff.getBalance({ accountId: bobAccount!.id }));
  const unknown = await refusal(alice.bff.getBalance({ accountId: "00000000-0000-4000-8000-000000000000" }));
  assert.equal(theirs.code, Code.NotFound);
  assert.equal(theirs.reason, "ACCOUNT_NOT_FOUND");
  assert.deepEqual({ ...unknown, message: "", metadata: {} }, { ...theirs, message: "", metadata: {} });
});

test("a system account's balance answers NotFound", async () => {
  const m = await mesh();
  const user = await m.customer();
  const [account] = (await user.bff.listAccounts({})).accounts;
  await m.topUp(account!.id, 100n);
  const statement = await m.ledger.client().listStatementEntries({ accountId: account!.id });
  const funding = statement.entries[0]!.counterpartyAccountId;
  const refused = await refusal(user.bff.getBalance({ accountId: funding }));
  assert.equal(refused.code, Code.NotFound);
});
