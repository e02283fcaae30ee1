import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createHealthState, ServingStatus } from "../index.js";

/** Takes the first `n` values of a watch. */
async function take(iterable: AsyncIterable<ServingStatus>, n: number): Promise<ServingStatus[]> {
  const values: ServingStatus[] = [];
  for await (const value of iterable) {
    values.push(value);
    if (values.length === n) break;
  }
  return values;
}

describe("createHealthState", () => {
  it("starts every named service NOT_SERVING", () => {
    const state = createHealthState(["", "wallet.ledger.v1.LedgerService"]);
    assert.equal(state.getStatus(""), ServingStatus.NOT_SERVING);
    assert.equal(state.getStatus("wallet.ledger.v1.LedgerService"), ServingStatus.NOT_SERVING);
    assert.equal(state.getStatus("unknown"), undefined);
  });

  it("streams the current status and then each change to a watcher", async () => {
    const state = createHealthState();
    const watched = take(state.watch(""), 3);
    await new Promise((resolve) => setImmediate(resolve));
    state.setServing();
    state.setServing(); // no change, not sent again
    state.setNotServing();
    assert.deepEqual(await watched, [ServingStatus.NOT_SERVING, ServingStatus.SERVING, ServingStatus.NOT_SERVING]);
  });

  it("reports SERVICE_UNKNOWN to a watcher until the service appears", async () => {
    const state = createHealthState();
    const watched = take(state.watch("later.Service"), 2);
    await new Promise((resolve) => setImmediate(resolve));
    state.setServing("later.Service");
    assert.deepEqual(await watched, [ServingStatus.SERVICE_UNKNOWN, ServingStatus.SERVING]);
  });

  it("ends watches with NOT_SERVING on shutdown and refuses to serve again", async () => {
    const state = createHealthState();
    state.setServing();
    const seen: ServingStatus[] = [];
    const watching = (async () => {
      for await (const status of state.watch("")) seen.push(status);
    })();
    await new Promise((resolve) => setImmediate(resolve));
    state.shutdown();
    await watching;
    assert.deepEqual(seen, [ServingStatus.SERVING, ServingStatus.NOT_SERVING]);
    state.setServing();
    assert.equal(state.getStatus(""), ServingStatus.NOT_SERVING);
    assert.ok(state.shuttingDown);
  });

  it("ends a watch when its signal aborts", async () => {
    const state = createHealthState();
    const controller = new AbortController();
    const seen: ServingStatus[] = [];
    const watching = (async () => {
      for await (const status of state.watch("", controller.signal)) seen.push(status);
    })();
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    await watching;
    assert.deepEqual(seen, [ServingStatus.NOT_SERVING]);
  });
});
