import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import { AdjustmentReason, EntryDirection } from "#gen/wallet/ledger/v1/transaction_pb.js";
import { eur, fundedWallet, key, openWallet, useLedger } from "./support/ledger-harness.js";

const ledger = useLedger();
const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));

/** Runs `npm run ledger:verify` against a database; resolves with its exit code and output. */
function verify(url: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["run", "--silent", "ledger:verify"], {
      cwd: repoRoot,
      env: { ...process.env, LEDGER_DATABASE_URL: url, NODE_ENV: "test" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("npm run ledger:verify", () => {
  it("exits 0 on a ledger whose balances match its journal", async () => {
    const { client: clientOf, database } = await ledger();
    const client = clientOf();
    const from = await fundedWallet(client, 100);
    await client.transfer({ fromAccountId: from, toAccountId: await openWallet(client), amount: eur(40), idempotencyKey: key() });
    const result = await verify(database.url);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).clean, true);
  });

  it("exits 0 on a ledger with balance adjustments both ways", async () => {
    const { client: clientOf, database } = await ledger();
    const client = clientOf("backoffice");
    const wallet = await fundedWallet(client, 100);
    const adjust = { accountId: wallet, amount: eur(30), reasonCode: AdjustmentReason.CORRECTION, reason: "ops error" };
    await client.adjustBalance({ ...adjust, direction: EntryDirection.CREDIT, idempotencyKey: key() });
    await client.adjustBalance({ ...adjust, direction: EntryDirection.DEBIT, amount: eur(80), idempotencyKey: key() });
    const result = await verify(database.url);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).clean, true);
  });

  it("exits 1 and prints the account when a stored balance was tampered with", async () => {
    const { client: clientOf, database, db } = await ledger();
    const client = clientOf();
    const wallet = await fundedWallet(client, 100);
    await sql`UPDATE balances SET posted = posted + 1 WHERE account_id = ${wallet}`.execute(db);
    const result = await verify(database.url);
    assert.equal(result.code, 1);
    const report = JSON.parse(result.stderr);
    const difference = report.differences.find((d: { accountId: string }) => d.accountId === wallet);
    assert.deepEqual([difference.storedPosted, difference.recomputedPosted], ["101", "100"]);
    const rpc = await client.verifyIntegrity({ accountIds: [wallet] });
    assert.equal(rpc.discrepancies[0]?.storedPosted?.amountMinor, 101n);
    await sql`UPDATE balances SET posted = posted - 1 WHERE account_id = ${wallet}`.execute(db);
  });
});
