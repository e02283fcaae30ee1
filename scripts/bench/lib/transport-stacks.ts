/** The gRPC server stacks `npm run bench:transport` compares (see transport-server.ts). */
export const transportStacks = ["raw", "grpc-js", "connect"] as const;

/** One of {@link transportStacks}. */
export type TransportStack = (typeof transportStacks)[number];
