/** npm start gives up on a process that keeps dying, and says which. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { startMesh } from "./start-mesh.js";

test("a process that fails at every start stops the whole mesh with exit code 1, naming it as crash-looping", async () => {
  // The ledger refuses a malformed setting at start-up, every time it is restarted.
  await assert.rejects(startMesh({ env: { LEDGER_BATCH_MAX: "many" } }), (err: Error) => {
    assert.match(err.message, /exit code 1\)/, "the mesh exits 1, not 0 as after Ctrl-C");
    assert.match(err.message, /ledger exited unexpectedly \(.*\) after 5 restarts within a minute: it is crash-looping; stopping the mesh/);
    assert.match(err.message, /LEDGER_BATCH_MAX/, "the ledger's own message names the variable");
    return true;
  });
});
