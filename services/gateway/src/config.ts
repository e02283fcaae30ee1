import type { z } from "zod";
import { httpUrl } from "#platform/config/index.js";

/** Upstream defaults: the catalogue's ports on loopback (platform/mesh/catalogue.ts). */
const LOCAL_IDENTITY_URL = "http://127.0.0.1:8081";
const LOCAL_MOBILE_BFF_URL = "http://127.0.0.1:8085";
const LOCAL_BACKOFFICE_URL = "http://127.0.0.1:8086";

/**
 * The REST core's environment variables, merged into the mesh process config
 * with the protections' (`protectionsConfigShape`: deadlines, retries,
 * breakers, proxies, limits).
 */
export const gatewayConfigFields = {
  /** The mobile BFF's gRPC base URL. */
  MOBILE_BFF_URL: httpUrl(LOCAL_MOBILE_BFF_URL),
  /** Identity's gRPC base URL (its public, self-service methods). */
  IDENTITY_URL: httpUrl(LOCAL_IDENTITY_URL),
  /** The backoffice's gRPC base URL. */
  BACKOFFICE_URL: httpUrl(LOCAL_BACKOFFICE_URL),
};

/** The parsed fields of {@link gatewayConfigFields}. */
export type GatewayConfig = z.output<z.ZodObject<typeof gatewayConfigFields>>;

/** The upstream base URL of each exposed service, by fully-qualified service name. */
export function upstreamBaseUrls(config: GatewayConfig): ReadonlyMap<string, string> {
  return new Map([
    ["wallet.bff.v1.MobileBffService", config.MOBILE_BFF_URL],
    ["wallet.identity.v1.IdentityService", config.IDENTITY_URL],
    ["wallet.backoffice.v1.BackofficeService", config.BACKOFFICE_URL],
  ]);
}
