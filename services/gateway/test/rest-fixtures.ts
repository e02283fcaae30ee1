import { create, type DescMethodUnary, type DescService, type Message } from "@bufbuild/protobuf";
import type { FastifyInstance } from "fastify";
import { createEdgeApp } from "../src/edge-app.js";
import type { UpstreamCallContext, UpstreamCaller } from "../src/rest/upstream.js";

/** One call the fake upstream received. */
export interface RecordedCall {
  readonly service: DescService;
  readonly method: DescMethodUnary;
  readonly request: Message;
  readonly context: UpstreamCallContext;
}

/** What the fake answers: a response message, or an error to throw. */
export type FakeAnswer = (call: RecordedCall) => Message | Promise<Message>;

/**
 * An upstream caller that records every call and answers with `answer`
 * (default: the empty response message of the called method).
 */
export function createFakeUpstream(answer?: FakeAnswer): UpstreamCaller & { calls: RecordedCall[]; answer: FakeAnswer | undefined } {
  const fake = {
    calls: [] as RecordedCall[],
    answer,
    async call(service: DescService, method: DescMethodUnary, request: Message, context: UpstreamCallContext): Promise<Message> {
      const call = { service, method, request, context };
      fake.calls.push(call);
      return fake.answer ? fake.answer(call) : create(method.output);
    },
  };
  return fake;
}

/** The edge app over the fake upstream, without protections (every route open). */
export async function createTestEdge(options: { services?: readonly DescService[]; answer?: FakeAnswer } = {}): Promise<{
  app: FastifyInstance;
  upstream: ReturnType<typeof createFakeUpstream>;
}> {
  const upstream = createFakeUpstream(options.answer);
  const app = await createEdgeApp({ upstream, ...(options.services ? { services: options.services } : {}) });
  return { app, upstream };
}

/** The only call the fake received. */
export function onlyCall(upstream: { calls: RecordedCall[] }): RecordedCall {
  if (upstream.calls.length !== 1) throw new Error(`expected one upstream call, got ${upstream.calls.length}`);
  return upstream.calls[0]!;
}
