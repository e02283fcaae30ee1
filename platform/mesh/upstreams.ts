import type { ServiceName } from "./catalogue.js";

/**
 * The variable holding a service's base URL for its callers, e.g.
 * `LEDGER_URL=http://ledger:8082`, `MOBILE_BFF_URL=http://mobile-bff:8085`.
 */
export function upstreamUrlVariable(service: ServiceName): string {
  return `${service.toUpperCase().replace(/-/g, "_")}_URL`;
}
