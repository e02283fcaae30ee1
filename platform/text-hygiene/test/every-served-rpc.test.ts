/**
 * Text hygiene across the whole mesh, through a real server started by the
 * platform's startService: for every unary RPC of every service a process
 * serves (mesh/call-graph.ts `servedServices`), a NUL in any string its
 * request can carry (top level, nested message, oneof member, repeated item,
 * map value or key, at any depth) is refused with InvalidArgument naming the
 * field before the handler runs, and the same request with storable text
 * reaches the handler unchanged. The requests are derived from the generated
 * descriptors, so a field or an RPC added later is covered without editing
 * this file; the handlers are stubs that only record what reached them.
 */
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { before, test } from "node:test";
import { create, equals, ScalarType, type DescField, type DescMessage, type DescMethodUnary, type DescService, type Message } from "@bufbuild/protobuf";
import { reflect, scalarZeroValue, type ReflectMessage } from "@bufbuild/protobuf/reflect";
import { Code, ConnectError, type ConnectRouter, type Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { BadRequestSchema, ErrorInfoSchema } from "../../../gen/google/rpc/error_details_pb.js";
import { createSilentLogger } from "../../logging/index.js";
import { servedServices } from "../../mesh/call-graph.js";
import { startService, type RunningService } from "../../server/index.js";
import { useResource } from "../../testing/index.js";
import { INVALID_TEXT_REASON } from "../index.js";

/** A text PostgreSQL cannot store, and one it can (accents, a surrogate pair) that must pass untouched. */
const NUL_TEXT = "bad\u0000text";
const CLEAN_TEXT = "caf\u00e9 \ud83d\ude00";

/** Every service type name some process serves. */
const servedNames = [...new Set(Object.values(servedServices).flat())].sort();

/** Every service descriptor of the generated wallet contracts, by type name (imported, not listed, so none is forgotten). */
async function generatedServices(): Promise<Map<string, DescService>> {
  const root = new URL("../../../gen/wallet/", import.meta.url);
  const files = readdirSync(fileURLToPath(root), { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith("_pb.ts"));
  const services = new Map<string, DescService>();
  for (const file of files) {
    const exports = (await import(pathToFileURL(fileURLToPath(new URL(file, root))).href)) as Record<string, unknown>;
    for (const value of Object.values(exports)) {
      if (typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "service") {
        const service = value as DescService;
        services.set(service.typeName, service);
      }
    }
  }
  return services;
}

/** One string a request can carry: its proto path (as the interceptor names it) and how to put a text there. */
interface StringSite {
  readonly path: string;
  fill(r: ReflectMessage): void;
}

/** A map key of the field's key type; string keys are "k". */
const mapKeyOf = (field: DescField & { fieldKind: "map" }) => (field.mapKey === ScalarType.STRING ? "k" : scalarZeroValue(field.mapKey, false));
const entryPath = (path: string, key: unknown) => `${path}[${JSON.stringify(String(key))}]`;

/**
 * Every place of `schema` where a string holding `text` can go, with the
 * path findInvalidText reports for it. A message type already on the way
 * down is not entered again (google.protobuf.Value and Struct nest each
 * other): its strings were reached one level up.
 */
function stringSites(schema: DescMessage, text: string, enclosing: readonly string[] = []): StringSite[] {
  const within = [...enclosing, schema.typeName];
  const nested = (message: DescMessage) => (within.includes(message.typeName) ? [] : stringSites(message, text, within));
  const sites: StringSite[] = [];
  for (const field of schema.fields) {
    const name = field.name;
    switch (field.fieldKind) {
      case "scalar":
        if (field.scalar === ScalarType.STRING) sites.push({ path: name, fill: (r) => r.set(field, text) });
        break;
      case "enum":
        break;
      case "message":
        for (const inner of nested(field.message)) {
          sites.push({
            path: `${name}.${inner.path}`,
            fill: (r) => {
              const child = reflect(field.message);
              inner.fill(child);
              r.set(field, child);
            },
          });
        }
        break;
      case "list":
        if (field.listKind === "scalar" && field.scalar === ScalarType.STRING) {
          sites.push({ path: `${name}[0]`, fill: (r) => r.get(field).add(text) });
        } else if (field.listKind === "message") {
          for (const inner of nested(field.message)) {
            sites.push({
              path: `${name}[0].${inner.path}`,
              fill: (r) => {
                const child = reflect(field.message);
                inner.fill(child);
                r.get(field).add(child);
              },
            });
          }
        }
        break;
      case "map": {
        const key = mapKeyOf(field);
        const emptyValue = (): unknown =>
          field.mapKind === "message" ? reflect(field.message) : field.mapKind === "enum" ? 0 : scalarZeroValue(field.scalar, false);
        if (field.mapKey === ScalarType.STRING) {
          sites.push({ path: entryPath(name, text), fill: (r) => void r.get(field).set(text, emptyValue()) });
        }
        if (field.mapKind === "scalar" && field.scalar === ScalarType.STRING) {
          sites.push({ path: entryPath(name, key), fill: (r) => void r.get(field).set(key, text) });
        } else if (field.mapKind === "message") {
          for (const inner of nested(field.message)) {
            sites.push({
              path: `${entryPath(name, key)}.${inner.path}`,
              fill: (r) => {
                const child = reflect(field.message);
                inner.fill(child);
                r.get(field).set(key, child);
              },
            });
          }
        }
        break;
      }
    }
  }
  return sites;
}

/** A request of `schema` holding `text` at one site and nothing else. */
function requestWith(schema: DescMessage, site: StringSite): Message {
  const r = reflect(schema);
  site.fill(r);
  return r.message;
}

/** One request to send: the RPC, the field it carries text in, the message. */
interface Probe {
  readonly method: DescMethodUnary;
  readonly field: string;
  readonly request: Message;
}

const unaryMethods = (service: DescService) => service.methods.filter((m): m is DescMethodUnary => m.methodKind === "unary");

/** One request of `method` per string site, holding `text` there. */
const methodProbes = (method: DescMethodUnary, text: string): Probe[] =>
  stringSites(method.input, text).map((site) => ({ method, field: site.path, request: requestWith(method.input, site) }));

/** For every unary RPC of `service`, one request per string site, holding `text` there. */
function probes(service: DescService, text: string): Probe[] {
  return unaryMethods(service).flatMap((method) => methodProbes(method, text));
}

/** Like {@link probes}, plus an empty request for each RPC whose request holds no string (ReadAuditLog), so every RPC is called. */
function probesOfEveryRpc(service: DescService, text: string): Probe[] {
  return unaryMethods(service).flatMap((method) => {
    const some = methodProbes(method, text);
    return some.length > 0 ? some : [{ method, field: "(no string field)", request: create(method.input) }];
  });
}

/** What reached the stub handlers, by "Service/Method". */
const reached: { rpc: string; request: Message }[] = [];
const rpcName = (method: DescMethodUnary) => `${method.parent.typeName}/${method.name}`;

/** Registers every unary RPC of the services with a stub that records the request and answers an empty response. */
function stubRoutes(services: readonly DescService[]) {
  return (router: ConnectRouter) => {
    for (const method of services.flatMap(unaryMethods)) {
      router.rpc(method, (request: Message) => {
        reached.push({ rpc: rpcName(method), request });
        return create(method.output);
      });
    }
  };
}

let services: DescService[];
const server = useResource(
  async (): Promise<RunningService> => {
    const generated = await generatedServices();
    services = servedNames.map((name) => generated.get(name)).filter((s): s is DescService => s !== undefined);
    // One process serving every service: startService takes any routes, and text hygiene sits in front of all of them.
    return startService({ name: "text-hygiene-test", host: "127.0.0.1", grpcPort: 0, adminPort: 0, logger: createSilentLogger(), routes: stubRoutes(services) });
  },
  (s) => s.shutdown(),
);

let transport: Transport;
before(async () => {
  transport = createGrpcTransport({ baseUrl: (await server()).url });
});

/** The call's error, or undefined when it succeeded. */
async function errorOf(probe: Probe): Promise<ConnectError | undefined> {
  try {
    await transport.unary(probe.method, undefined, 5_000, undefined, probe.request);
    return undefined;
  } catch (err) {
    return ConnectError.from(err);
  }
}

/** What is wrong with the answer to a probe carrying a NUL, or undefined when it is the expected refusal. */
function refusalProblem(probe: Probe, err: ConnectError | undefined): string | undefined {
  if (!err) return "answered OK";
  if (err.code !== Code.InvalidArgument) return `answered ${Code[err.code]} (${err.rawMessage})`;
  const info = err.findDetails(ErrorInfoSchema)[0];
  if (info?.reason !== INVALID_TEXT_REASON || info.metadata.field !== probe.field) return `ErrorInfo ${info?.reason} names ${info?.metadata.field}`;
  const violation = err.findDetails(BadRequestSchema)[0]?.fieldViolations[0];
  if (violation?.field !== probe.field || violation.reason !== INVALID_TEXT_REASON) return `BadRequest names ${violation?.field}`;
  if (!err.rawMessage.startsWith(`${probe.field}: must not contain U+0000`)) return `message "${err.rawMessage}"`;
  return undefined;
}

/** Sends the probes eight at a time (enough to overlap round trips without flooding a small machine); answers every problem `check` finds. */
async function eachProbe(all: readonly Probe[], check: (probe: Probe, err: ConnectError | undefined) => string | undefined) {
  const problems: string[] = [];
  for (let i = 0; i < all.length; i += 8) {
    const batch = all.slice(i, i + 8);
    const answers = await Promise.all(batch.map(errorOf));
    for (const [j, probe] of batch.entries()) {
      const problem = check(probe, answers[j]);
      if (problem) problems.push(`${rpcName(probe.method)} ${probe.field}: ${problem}`);
    }
  }
  return problems;
}

test("every service the mesh serves has a generated descriptor", async () => {
  await server();
  assert.ok(servedNames.length > 0);
  assert.deepEqual(services.map((s) => s.typeName), servedNames);
});

test("the walk reaches strings at the top level, in nested messages, in repeated fields and in maps", async () => {
  await server();
  // Guards the per-service tests against passing vacuously, should the walk stop descending.
  const fields = services.flatMap((s) => probes(s, NUL_TEXT)).map((p) => p.field);
  assert.ok(fields.some((f) => /^\w+$/.test(f)), "top level");
  assert.ok(fields.some((f) => /^\w+\.\w+/.test(f)), "nested message");
  assert.ok(fields.some((f) => /\[0\]/.test(f)), "repeated");
  assert.ok(fields.some((f) => /\["k"\]/.test(f)), "map value");
  assert.ok(fields.some((f) => f.includes('["bad\\u0000text"]')), "map key");
});

for (const name of servedNames) {
  test(`a NUL in any string field of any unary ${name} request is refused with InvalidArgument naming the field, before the handler`, async () => {
    await server();
    const service = services.find((s) => s.typeName === name);
    assert.ok(service, `no generated descriptor for ${name}`);
    const all = probes(service, NUL_TEXT);
    const reachedBefore = reached.length;
    const problems = await eachProbe(all, refusalProblem);
    assert.deepEqual(problems, []);
    assert.deepEqual(reached.slice(reachedBefore).map((r) => r.rpc), [], "no refused request reached a handler");
  });
}

test("a request with storable text in any string field reaches the handler unchanged, for every served unary RPC", async () => {
  await server();
  const all = services.flatMap((s) => probesOfEveryRpc(s, CLEAN_TEXT));
  const problems = await eachProbe(all, (probe, err) => {
    if (err) return `refused: ${Code[err.code]} ${err.rawMessage}`;
    // The batch ran concurrently: find this probe's request among what reached the handlers, and take it off.
    const seen = reached.findIndex((r) => r.rpc === rpcName(probe.method) && equals(probe.method.input, r.request, probe.request));
    if (seen === -1) return "no handler saw this request unchanged";
    reached.splice(seen, 1);
    return undefined;
  });
  assert.deepEqual(problems, []);
});
