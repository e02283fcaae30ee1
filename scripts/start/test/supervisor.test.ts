/** `npm start`'s supervisor, on real child processes. */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { createSupervisor, type SupervisorEvents } from "../supervisor.js";

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures/short-lived.ts");
const policy = { initialDelayMs: 50, maxDelayMs: 200, maxRestarts: 3, windowMs: 60_000 };

function recordingEvents() {
  const seen: string[] = [];
  const events: SupervisorEvents = {
    onStarted: (name, _pid, restarts) => seen.push(`${name} started ${restarts}`),
    onRestarting: (name, exit) => seen.push(`${name} exited ${exit}`),
    onCrashLoop: (name, _exit, inWindow) => seen.push(`${name} crash-loop after ${inWindow}`),
  };
  return { seen, events };
}

const until = async (check: () => boolean, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

test("a process killed with SIGKILL is started again with a new pid, and the others keep running", async (t) => {
  const { seen, events } = recordingEvents();
  const supervisor = createSupervisor({ nameWidth: 8, policy, events });
  t.after(() => supervisor.stopAll(2_000));
  const victim = supervisor.start("victim", fixture, { ...process.env });
  const bystander = supervisor.start("bystander", fixture, { ...process.env });
  await until(() => victim.child.pid !== undefined);
  const [firstPid, bystanderPid] = [victim.child.pid, bystander.child.pid];

  process.kill(firstPid!, "SIGKILL");
  await until(() => victim.restarts === 1);

  assert.notEqual(victim.child.pid, firstPid);
  assert.equal(bystander.child.pid, bystanderPid);
  assert.equal(bystander.restarts, 0);
  assert.deepEqual(seen.filter((line) => line.startsWith("victim")), ["victim started 0", "victim exited SIGKILL", "victim started 1"]);
});

test("a process that keeps crashing is given up on after the allowed restarts, and the supervisor says so", async (t) => {
  const { seen, events } = recordingEvents();
  const supervisor = createSupervisor({ nameWidth: 8, policy, events });
  t.after(() => supervisor.stopAll(2_000));
  const looping = supervisor.start("looping", fixture, { ...process.env, EXIT_AFTER_MS: "10", EXIT_CODE: "3" });

  assert.equal(await looping.ended, 3);
  assert.equal(looping.restarts, 3);
  assert.equal(seen.at(-1), "looping crash-loop after 3");
});

test("stopping the mesh while a restart is pending does not start the process again", async () => {
  const { seen, events } = recordingEvents();
  const supervisor = createSupervisor({ nameWidth: 8, policy: { ...policy, initialDelayMs: 5_000, maxDelayMs: 5_000 }, events });
  const crashing = supervisor.start("crashing", fixture, { ...process.env, EXIT_AFTER_MS: "10" });
  await until(() => seen.includes("crashing exited 1"));

  const started = Date.now();
  const unclean = await supervisor.stopAll(2_000);

  assert.ok(Date.now() - started < 4_000, "stopAll does not wait for the pending restart");
  assert.deepEqual(unclean, ["crashing (1)"]);
  assert.equal(crashing.restarts, 0);
});

test("a graceful stop ends every process with SIGTERM and reports none as unclean", async (t) => {
  const { events } = recordingEvents();
  const supervisor = createSupervisor({ nameWidth: 8, policy, events });
  const dir = mkdtempSync(path.join(tmpdir(), "supervisor-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ready = ["one", "two"].map((name) => {
    const file = path.join(dir, name);
    supervisor.start(name, fixture, { ...process.env, READY_FILE: file });
    return file;
  });
  await until(() => ready.every((file) => existsSync(file)));
  assert.deepEqual(await supervisor.stopAll(5_000), []);
});
