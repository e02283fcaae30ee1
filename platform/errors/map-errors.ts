/**
 * Wraps every method of a Connect service implementation so whatever it
 * throws goes through `toConnectError`: a service's one mapping from domain
 * refusals to gRPC errors. What the mapping passes on unchanged (a driver
 * error) reaches the platform's sanitizer, which answers a bare `Internal`.
 */
export function mapErrors<T extends object>(impl: T, toConnectError: (error: unknown) => unknown): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(impl)) {
    wrapped[name] = async (...args: unknown[]) => {
      try {
        return await (fn as (...a: unknown[]) => Promise<unknown>)(...args);
      } catch (error) {
        throw toConnectError(error);
      }
    };
  }
  return wrapped as T;
}
