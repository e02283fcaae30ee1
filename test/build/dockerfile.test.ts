import assert from "node:assert/strict";
import { promises as fs, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { builtEntryOf } from "../../platform/mesh/build-output.js";
import { databases, processes } from "../../platform/mesh/catalogue.js";
import { buildDist } from "../../scripts/build/build-dist.js";
import { BUILD_ROOTS } from "../../scripts/build/build-plan.js";
import { copyParts, execForm, parseDockerfile, type Instruction, type Stage } from "./dockerfile.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const stages = parseDockerfile(readFileSync(path.join(repoRoot, "Dockerfile"), "utf8"));
const runtime = stages.at(-1)!;
const stageNamed = (name: string | undefined): Stage | undefined => stages.find((stage) => stage.name === name);
const of = (stage: Stage, keyword: string): Instruction[] => stage.instructions.filter((i) => i.keyword === keyword);

/** The shell commands of a stage's RUN instructions, split on && and ;. */
const commandsOf = (stage: Stage): string[] => of(stage, "RUN").flatMap((i) => i.args.split(/&&|;/).map((c) => c.trim()));
const npmInstalls = (stage: Stage) => commandsOf(stage).filter((c) => /^npm (ci|install|i)\b/.test(c));
/** True when a stage installs dev dependencies: an npm install without --omit=dev. */
const installsDevDependencies = (stage: Stage) => npmInstalls(stage).some((c) => !/--omit[= ]dev\b/.test(c));

/** The stage's WORKDIR at its end (absolute paths only, as here). */
const workdirOf = (stage: Stage) => of(stage, "WORKDIR").at(-1)?.args ?? "/";
const absolute = (stage: Stage, p: string) => path.posix.resolve(workdirOf(stage), p);

/** A pod spec's parts the image checks read. */
interface PodSpec {
  securityContext?: Record<string, unknown>;
  containers: Array<{ name?: string; image?: unknown; command?: unknown; args?: unknown[]; securityContext?: Record<string, unknown> }>;
}

/** Every pod spec inside a manifest object (Deployments, Jobs, ...): any object holding a containers list. */
function podSpecsIn(value: unknown): PodSpec[] {
  if (Array.isArray(value)) return value.flatMap(podSpecsIn);
  if (value === null || typeof value !== "object") return [];
  const object = value as Record<string, unknown>;
  const own = Array.isArray(object.containers) ? [object as unknown as PodSpec] : [];
  return [...own, ...Object.values(object).flatMap(podSpecsIn)];
}

/** The YAML files under a folder. */
async function manifestFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && /\.ya?ml$/.test(e.name)).map((e) => path.join(e.parentPath, e.name));
}

describe("Dockerfile", () => {
  const entrypoint = execForm(of(runtime, "ENTRYPOINT").at(-1) ?? { keyword: "ENTRYPOINT", args: "" });

  test("is multi-stage: a build stage installs every dependency and runs npm run build; the runtime stage comes last, on a Node 22 base", () => {
    assert.ok(stages.length >= 2, `${stages.length} stages`);
    const build = stages.find((stage) => commandsOf(stage).includes("npm run build"));
    assert.ok(build, "a stage runs npm run build");
    assert.ok(npmInstalls(build).some((c) => c.startsWith("npm ci")), "the build stage installs with npm ci");
    assert.ok(installsDevDependencies(build), "the build stage has the dev dependencies it builds with");
    assert.match(runtime.image, /nodejs22|node:22/, runtime.image);
    assert.notEqual(runtime, build);
  });

  test("the runtime stage runs as a numeric non-root user (and group)", () => {
    const user = of(runtime, "USER").at(-1)?.args;
    assert.ok(user, "the runtime stage sets USER");
    const match = /^(\d+)(?::(\d+))?$/.exec(user);
    assert.ok(match, `USER ${user} is numeric`);
    assert.notEqual(Number(match[1]), 0, "not root");
    if (match[2] !== undefined) assert.notEqual(Number(match[2]), 0, "not the root group");
  });

  test("the runtime stage holds production dependencies only: node_modules from an npm ci --omit=dev stage, nothing else from a stage with dev dependencies but the build output", () => {
    assert.deepEqual(of(runtime, "RUN"), [], "the runtime stage runs nothing (it has no shell)");
    const copies = of(runtime, "COPY").map(copyParts);
    assert.ok(copies.every((copy) => copy.from !== undefined), "everything comes from an earlier stage, nothing straight from the context");
    const modules = copies.filter((copy) => copy.sources.some((source) => source.includes("node_modules")));
    assert.equal(modules.length, 1, "one node_modules");
    const dependencies = stageNamed(modules[0]!.from)!;
    assert.ok(npmInstalls(dependencies).length > 0 && !installsDevDependencies(dependencies), `stage ${dependencies.name}: ${npmInstalls(dependencies).join("; ")}`);
    for (const copy of copies) {
      const from = stageNamed(copy.from);
      assert.ok(from, `stage ${copy.from} exists`);
      if (!installsDevDependencies(from)) continue;
      // From the build stage: its dist/ (compiled code, no node_modules) or files outside the app (tini).
      const app = workdirOf(from);
      for (const source of copy.sources) {
        const resolved = absolute(from, source);
        const outsideApp = resolved !== app && !resolved.startsWith(`${app}/`);
        assert.ok(resolved === `${app}/dist` || outsideApp, `${resolved} from ${copy.from}`);
      }
    }
  });

  test("needs no shell at run time: a distroless base, exec-form ENTRYPOINT, tini as PID 1 in front of node", () => {
    assert.match(runtime.image, /distroless/, runtime.image);
    assert.ok(entrypoint, "ENTRYPOINT is in exec (JSON) form");
    for (const cmd of of(runtime, "CMD")) assert.ok(execForm(cmd), "CMD is in exec form");
    const [init, separator, node, ...nodeArgs] = entrypoint;
    assert.equal(separator, "--");
    assert.match(node!, /\/node$/);
    assert.ok(nodeArgs.slice(0, -1).every((arg) => arg.startsWith("--")), `node flags, then the script: ${nodeArgs.join(" ")}`);
    const tiniCopy = of(runtime, "COPY").map(copyParts).find((copy) => absolute(runtime, copy.destination) === init);
    assert.ok(tiniCopy, `${init} is copied into the runtime stage`);
    assert.match(tiniCopy.sources[0]!, /tini-static$/, "the static build: the runtime has no libc of Debian's version to rely on");
    assert.ok(commandsOf(stageNamed(tiniCopy.from)!).some((c) => /apt-get install .*\btini\b/.test(c)), `stage ${tiniCopy.from} installs tini`);
  });

  describe("every process it can start is in the build", () => {
    let built: string[];
    let out: string;
    before(async () => {
      out = await fs.mkdtemp(path.join(os.tmpdir(), "wallet-image-build-"));
      ({ files: built } = await buildDist({ root: repoRoot, outDir: path.join(out, "dist") }));
    });
    after(() => fs.rm(out, { recursive: true, force: true }));

    test("the ENTRYPOINT's script, under the build output the runtime stage copies, and every catalogue entry it imports", () => {
      const script = entrypoint!.at(-1)!;
      const distCopy = of(runtime, "COPY").map(copyParts).find((copy) => copy.sources.some((source) => source.endsWith("/dist")));
      assert.ok(distCopy, "the runtime stage copies the build output");
      const buildStage = stageNamed(distCopy.from)!;
      assert.ok(commandsOf(buildStage).includes("npm run build"), `stage ${distCopy.from} runs npm run build`);
      assert.equal(absolute(buildStage, distCopy.sources[0]!), `${workdirOf(buildStage)}/dist`, "npm run build writes dist/ in the build stage's WORKDIR");
      const distInImage = absolute(runtime, distCopy.destination);
      assert.ok(script.startsWith(`${distInImage}/`), `${script} is under ${distInImage}`);
      const inBuild = script.slice(distInImage.length + 1);
      assert.equal(inBuild, "scripts/run-process.js");
      for (const file of [inBuild, "package.json", "scripts/migrate.js", ...processes.map(builtEntryOf)]) assert.ok(built.includes(file), `${file} is in the build`);
    });

    test("the Kubernetes manifests ask it for nothing else: every container of the image names a process of the build or migrate <service>, keeps the ENTRYPOINT and runs as its USER", async () => {
      const [uid, gid] = of(runtime, "USER").at(-1)!.args.split(":").map(Number);
      const owners = new Set<string>(databases.map((d) => d.owner));
      const containers = (await manifestFiles(path.join(repoRoot, "k8s"))).flatMap((file) =>
        parseAllDocuments(readFileSync(file, "utf8")).flatMap((doc) => podSpecsIn(doc.toJS()).flatMap((pod) => pod.containers.map((container) => ({ file, pod, container })))),
      );
      const ours = containers.filter(({ container }) => /^wallet-mesh(:|$)/.test(String(container.image)));
      assert.ok(ours.length >= processes.length + databases.length, `${ours.length} containers of the image`);
      for (const { file, pod, container } of ours) {
        const where = `${path.relative(repoRoot, file)}: ${container.name}`;
        assert.equal(container.command, undefined, `${where} keeps the ENTRYPOINT`);
        const [name, ...rest] = (container.args ?? []) as string[];
        if (name === "migrate") {
          assert.ok(rest.length > 0 && rest.every((owner) => owners.has(owner)), `${where}: migrate ${rest.join(" ")}`);
        } else {
          const entry = processes.find((p) => p.name === name);
          assert.ok(entry && rest.length === 0, `${where}: ${String(name)}`);
          assert.ok(built.includes(builtEntryOf(entry)), where);
        }
        const runAs = { ...pod.securityContext, ...container.securityContext };
        assert.equal(runAs.runAsUser, uid, `${where} runs as the image's user`);
        if (gid !== undefined) assert.equal(runAs.runAsGroup, gid, `${where} runs as the image's group`);
      }
    });
  });

  test("the build stage copies every folder the build compiles, and .dockerignore lets in exactly what the Dockerfile copies (no node_modules, dist, .git or .env)", () => {
    const contextCopies = stages.flatMap((stage) => of(stage, "COPY").map(copyParts).filter((copy) => copy.from === undefined)).flatMap((copy) => copy.sources);
    for (const root of BUILD_ROOTS) assert.ok(contextCopies.includes(root), `${root} is copied`);
    const ignore = readFileSync(path.join(repoRoot, ".dockerignore"), "utf8").split("\n").map((line) => line.trim()).filter((line) => line && !line.startsWith("#"));
    assert.equal(ignore[0], "*", "an allowlist: everything is excluded first");
    const allowed = ignore.filter((line) => line.startsWith("!")).map((line) => line.slice(1).replace(/\/$/, ""));
    assert.deepEqual([...allowed].sort(), [...new Set(contextCopies)].sort());
    assert.ok(ignore.includes("**/node_modules"), "node_modules inside an allowed folder stays out");
    for (const never of ["node_modules", "dist", ".git", ".env"]) assert.ok(!allowed.includes(never), never);
  });
});
