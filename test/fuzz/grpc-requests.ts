/**
 * Hostile calls for every unary RPC the mesh's services serve, generated from
 * their descriptors: every field of the request message (oneofs, repeated
 * fields, maps, nested messages) filled with boundary and hostile values, sent
 * over the Connect protocol's JSON so that lone surrogates arrive as sent.
 */
import { create, ScalarType, type DescField, type DescMessage, type DescMethod, type DescService, type Message } from "@bufbuild/protobuf";
import fc from "fast-check";
import { anyString, hostileString } from "./hostile-values.js";

/** One call: which RPC and the request to send it. */
export interface GrpcFuzzCall {
  readonly service: DescService;
  readonly method: DescMethod;
  readonly request: Message;
}

const MAX_DEPTH = 3;

const int64 = fc.oneof(fc.constantFrom(0n, -1n, 1n, 2n ** 63n - 1n, -(2n ** 63n)), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }));
const uint64 = fc.oneof(fc.constantFrom(0n, 2n ** 64n - 1n), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }));
const int32 = fc.oneof(fc.constantFrom(0, -1, 2 ** 31 - 1, -(2 ** 31)), fc.integer());
const uint32 = fc.oneof(fc.constantFrom(0, 2 ** 32 - 1), fc.nat({ max: 2 ** 32 - 1 }));
const text = fc.oneof({ weight: 2, arbitrary: hostileString }, { weight: 1, arbitrary: fc.uuid().map(String) }, { weight: 1, arbitrary: anyString });

function scalar(type: ScalarType): fc.Arbitrary<unknown> {
  switch (type) {
    case ScalarType.STRING:
      return text;
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.BYTES:
      return fc.uint8Array({ maxLength: 64 });
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return int64;
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return uint64;
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return uint32;
    case ScalarType.FLOAT:
    case ScalarType.DOUBLE:
      return fc.double();
    default:
      return int32;
  }
}

/** Well-known types get values their JSON form can carry (a client cannot even send an out-of-range Timestamp). */
function wellKnown(desc: DescMessage): fc.Arbitrary<unknown> | undefined {
  switch (desc.typeName) {
    case "google.protobuf.Timestamp":
      return fc.integer({ min: -62_135_596_800, max: 253_402_300_799 }).map((seconds) => ({ seconds: BigInt(seconds), nanos: 0 }));
    case "google.protobuf.Duration":
      return fc.integer({ min: -315_576_000_000, max: 315_576_000_000 }).map((seconds) => ({ seconds: BigInt(seconds), nanos: 0 }));
    default:
      return desc.typeName.startsWith("google.protobuf.") ? fc.constant(undefined) : undefined;
  }
}

function singular(field: DescField, depth: number): fc.Arbitrary<unknown> {
  if (field.fieldKind === "scalar") return scalar(field.scalar);
  if (field.fieldKind === "enum") return fc.oneof(fc.constantFrom(...field.enum.values.map((v) => v.number)), fc.integer({ min: -3, max: 1_000 }));
  if (field.fieldKind === "message") return messageInit(field.message, depth + 1);
  return fc.constant(undefined);
}

function fieldValue(field: DescField, depth: number): fc.Arbitrary<unknown> {
  switch (field.fieldKind) {
    case "list": {
      const element = field.listKind === "scalar" ? scalar(field.scalar) : field.listKind === "enum" ? fc.integer({ min: 0, max: 5 }) : messageInit(field.message, depth + 1);
      return fc.array(element, { maxLength: 3 });
    }
    case "map": {
      const value = field.mapKind === "scalar" ? scalar(field.scalar) : field.mapKind === "enum" ? fc.integer({ min: 0, max: 5 }) : messageInit(field.message, depth + 1);
      const key = field.mapKey === ScalarType.STRING ? text : scalar(field.mapKey).map(String);
      return fc.dictionary(key as fc.Arbitrary<string>, value, { maxKeys: 3 });
    }
    default:
      return singular(field, depth);
  }
}

/** An init object for `desc`: every plain field maybe set, one member of each oneof maybe set. */
function messageInit(desc: DescMessage, depth: number): fc.Arbitrary<unknown> {
  const known = wellKnown(desc);
  if (known) return known;
  if (depth > MAX_DEPTH) return fc.constant(undefined);
  const plain = desc.fields.filter((field) => field.oneof === undefined);
  const fields = fc.record(Object.fromEntries(plain.map((field) => [field.localName, fc.option(fieldValue(field, depth), { freq: 4, nil: undefined })])));
  const oneofs = fc.tuple(
    ...desc.oneofs.map((oneof) =>
      fc.option(
        fc.constantFrom(...oneof.fields).chain((member) => singular(member, depth).map((value) => [oneof.localName, { case: member.localName, value }] as const)),
        { nil: undefined },
      ),
    ),
  );
  return fc.tuple(fields, oneofs).map(([values, chosen]) => {
    const init: Record<string, unknown> = Object.fromEntries(Object.entries(values as Record<string, unknown>).filter(([, v]) => v !== undefined));
    for (const entry of chosen) if (entry) init[entry[0]] = entry[1];
    return init;
  });
}

/** Calls spread over every unary method of `services`. */
export function grpcCalls(services: readonly DescService[]): fc.Arbitrary<GrpcFuzzCall> {
  const methods = services.flatMap((service) => service.methods.filter((method) => method.methodKind === "unary").map((method) => ({ service, method })));
  return fc.oneof(
    ...methods.map(({ service, method }) => messageInit(method.input, 0).map((init) => ({ service, method, request: create(method.input, init as never) }))),
  );
}
