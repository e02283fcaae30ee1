/**
 * The one client address every request of the fuzzer comes from, as the edge
 * sees it through X-Forwarded-For (the run trusts loopback as its proxy): the
 * customer's and the staff member's sign-ins, the edge requests, and the
 * `x-client-ip` the gRPC calls forward.
 */
export const FUZZ_CLIENT_IP = "198.18.0.7";
