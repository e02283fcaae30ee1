export { createServiceClient, type ServiceClientOptions } from "./create-service-client.js";
