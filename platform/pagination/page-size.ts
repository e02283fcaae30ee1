/** A list's page size when the request leaves it unset, and the most it may ask for. */
export interface PageSizeLimits {
  readonly default: number;
  readonly max: number;
}

/**
 * The page size a list serves: the service's default when the request sets
 * none (0, as proto3 sends an unset field) or a negative one, else the
 * request's, capped so one call cannot read a whole table.
 */
export function pageSize(requested: number | undefined, limits: PageSizeLimits): number {
  if (!requested || requested <= 0) return limits.default;
  return Math.min(requested, limits.max);
}
