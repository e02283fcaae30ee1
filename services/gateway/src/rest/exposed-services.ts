import type { DescService } from "@bufbuild/protobuf";
import { BackofficeService } from "#gen/wallet/backoffice/v1/backoffice_service_pb.js";
import { MobileBffService } from "#gen/wallet/bff/v1/mobile_bff_service_pb.js";
import { IdentityService } from "#gen/wallet/identity/v1/identity_service_pb.js";

/**
 * THE list of services the REST edge exposes. Every method of these services
 * that carries a `google.api.http` annotation becomes a route and an OpenAPI
 * operation; methods without one (identity's internal RPCs) stay unreachable
 * from the edge. Adding an annotated RPC to one of these protos adds its
 * route with no change here.
 */
export const exposedServices: readonly DescService[] = [MobileBffService, IdentityService, BackofficeService];
