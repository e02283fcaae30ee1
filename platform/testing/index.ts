export {
  resolveInfrastructure,
  testInfrastructure,
  localServerUrls,
  startCommands,
  type Infrastructure,
  type ResolveInfrastructureOptions,
  type ServerKind,
  type ServerSource,
} from "./infrastructure.js";
export { probePostgres, probeRedis, probeAmqp, dockerAvailable } from "./probes.js";
export { createTestDatabase, useTestDatabase, type TestDatabase, type TestDatabaseOptions } from "./test-database.js";
export { createTestRedis, useTestRedis, deleteKeysWithPrefix, type TestRedis } from "./test-redis.js";
export { createTestAmqp, useTestAmqp, type TestAmqp } from "./test-amqp.js";
export { testFileSlug, randomSuffix } from "./unique-name.js";
export { useResource } from "./use-resource.js";
export { createTcpProxy, type TcpProxy, type TcpProxyOptions, type CutMode } from "./tcp-proxy.js";
export { grpcJsHealthCheck, grpcJsListServices } from "./grpc-js-probe.js";
