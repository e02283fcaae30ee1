export { createServiceClient, type ServiceClientOptions } from "./create-service-client.js";
export {
  createTransportFailureInterceptor,
  isBrokenTransport,
  isServerSentError,
  normalizeTransportFailure,
} from "./transport-failures.js";
export { errorInfoOf, fromUpstream, translateErrors } from "./upstream-errors.js";
