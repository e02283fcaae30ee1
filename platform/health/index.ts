export { createHealthState, ServingStatus, type HealthState } from "./health-state.js";
export { createHealthService } from "./health-service.js";
export {
  runReadinessChecks,
  type ReadinessCheck,
  type ReadinessReport,
  type CheckResult,
  type ReadinessDetail,
} from "./readiness.js";
export { readinessResponse, type ReadinessResponse, type ReadinessResponseOptions } from "./readiness-response.js";
export { startAdminServer, type AdminServer, type AdminServerOptions } from "./admin-server.js";
