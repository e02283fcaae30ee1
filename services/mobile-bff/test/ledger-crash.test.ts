/**
 * The BFF when the ledger dies in the middle of a call: the BFF reaches the
 * ledger through a TCP proxy, and cutting it resets the connection as a
 * crashed ledger would. The ledger itself goes on and commits.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Code } from "@connectrpc/connect";
import { eur, holdBalanceLock, key, refusal, useBffMesh, type BffMesh } from "./support/bff-harness.js";

const mesh = useBffMesh({ ledgerProxy: true });

async function funded(m: BffMesh, amount: bigint) {
  const user = await m.customer();
  const accountId = (await user.bff.listAccounts({})).accounts[0]!.id;
  if (amount > 0n) await m.topUp(accountId, amount);
  return { user, accountId };
}

test("a transfer whose ledger connection breaks in the middle is answered Unavailable, and its retry with the same key replays what the ledger committed", async () => {
  const m = await mesh();
  const [a, b] = await Promise.all([funded(m, 10_000n), funded(m, 0n)]);
  const request = { recipient: { case: "recipientAccountId" as const, value: b.accountId }, amount: eur(1_000), idempotencyKey: key() };

  const lock = await holdBalanceLock(m, a.accountId);
  const first = refusal(a.user.bff.transfer(request));
  await lock.waiting(); // the transfer is inside the ledger, its transaction open
  m.ledgerProxy!.cut();
  const refused = await first;
  m.ledgerProxy!.restore();
  await lock.release(); // the ledger goes on and commits the transfer
  assert.equal(refused.code, Code.Unavailable, `got ${Code[refused.code]}: ${refused.message}`);

  let replayed: string | null = null;
  const retried = await a.user.bff.transfer(request, { onHeader: (h) => void (replayed = h.get("idempotent-replayed")) });
  assert.equal(replayed, "true");
  assert.equal(retried.balance?.available?.amountMinor, 9_000n);
  assert.equal((await b.user.bff.getBalance({ accountId: b.accountId })).balance?.posted?.amountMinor, 1_000n);
});

test("a read whose ledger is down is answered Unavailable", async () => {
  const m = await mesh();
  const { user, accountId } = await funded(m, 0n);
  m.ledgerProxy!.cut();
  try {
    assert.equal((await refusal(user.bff.getBalance({ accountId }))).code, Code.Unavailable);
  } finally {
    m.ledgerProxy!.restore();
  }
});
