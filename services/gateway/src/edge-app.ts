import Fastify, { type FastifyInstance } from "fastify";

/** An RFC 9457 problem body. */
interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
}

/**
 * The REST edge (fastify) that mobile apps and the backoffice web call. It
 * shares the gateway's port with gRPC health and reflection: every HTTP
 * request that is not an RPC lands here. Routes derived from the contracts'
 * `google.api.http` annotations arrive with issue #5; until then every path
 * answers 404 problem+json.
 */
export async function createEdgeApp(): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.setNotFoundHandler((request, reply) => {
    const problem: Problem = { type: "about:blank", title: "Not Found", status: 404, detail: `No route for ${request.method} ${request.url.split("?")[0]}` };
    void reply.code(404).type("application/problem+json").send(problem);
  });
  await app.ready();
  return app;
}
