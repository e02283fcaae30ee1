/**
 * argon2id password hashing (@node-rs/argon2). Parameters come from config:
 * OWASP's recommendation by default (m = 19 MiB, t = 2, p = 1); tests pass
 * cheap ones. A dummy hash with the same parameters lets a login for an
 * unknown email do the same work as a wrong password.
 */
import { hash, verify, type Algorithm } from "@node-rs/argon2";
import { randomBytes } from "node:crypto";

/** argon2id cost parameters. */
export interface Argon2Params {
  /** Memory in KiB. */
  readonly memoryKib: number;
  readonly iterations: number;
  readonly parallelism: number;
}

/** OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1. */
export const OWASP_ARGON2: Argon2Params = { memoryKib: 19_456, iterations: 2, parallelism: 1 };

/** argon2id's numeric id (a const enum upstream, unusable under isolatedModules). */
const ARGON2ID = 2 as Algorithm;

/** Hashes and verifies passwords. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** True when `password` matches `encoded`; a malformed hash is a mismatch. */
  verify(encoded: string, password: string): Promise<boolean>;
  /** Verifies against a dummy hash and answers false: the work of a real check, for unknown accounts. */
  burn(password: string): Promise<false>;
  readonly params: Argon2Params;
}

/** A hasher with the given parameters. */
export function createPasswordHasher(params: Argon2Params): PasswordHasher {
  const options = { algorithm: ARGON2ID, memoryCost: params.memoryKib, timeCost: params.iterations, parallelism: params.parallelism };
  let dummy: Promise<string> | undefined;
  const check = async (encoded: string, password: string) => {
    try {
      return await verify(encoded, password.normalize("NFKC"));
    } catch {
      return false;
    }
  };
  return {
    params,
    hash: (password) => hash(password.normalize("NFKC"), options),
    verify: check,
    async burn(password) {
      dummy ??= hash(randomBytes(32).toString("base64url"), options);
      await check(await dummy, password);
      return false;
    },
  };
}
