/**
 * Identity's ES256 signing keys: created at start-up when none is active,
 * rotated by `npm run identity:rotate-keys` (the old key stays in the JWKS,
 * unused for signing, for the overlap window, then is retired), cached in
 * memory for a few seconds so a rotation done by the command reaches every
 * replica without a restart.
 */
import { calculateJwkThumbprint, exportJWK, exportPKCS8, generateKeyPair, importPKCS8, importJWK, type CryptoKey, type JWK } from "jose";
import type { Kysely } from "kysely";
import { ACCESS_TOKEN_ALGORITHM } from "#platform/access-tokens/claims.js";
import type { SecretBox } from "../crypto/key-encryption.js";
import type { IdentityDatabase } from "../storage/identity.table.js";
import {
  findActiveKey,
  findPublishedKeys,
  insertActiveKey,
  lockSigningKeys,
  retireActiveKey,
  retireExpiredKeys,
  type NewSigningKey,
  type StoredSigningKey,
} from "../storage/signing-keys.repository.js";

/** A public key as published in the JWKS. */
export interface PublicJwk {
  readonly kty: string;
  readonly crv: string;
  readonly x: string;
  readonly y: string;
  readonly kid: string;
  readonly alg: string;
  readonly use: string;
}

/** The key tokens are signed with now. */
export interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
}

/** Signing keys for the token issuer and the JWKS endpoints. */
export interface KeyStore {
  /** Creates the first active key when there is none (start-up); safe to race. */
  ensureActiveKey(): Promise<void>;
  /** The active key (decrypted once per cache period). */
  signingKey(): Promise<SigningKey>;
  /** The published public keys: active first, then retiring ones inside their overlap. */
  jwks(): Promise<PublicJwk[]>;
  /** The public key with this kid, when published (refetched once on an unknown kid). */
  verificationKey(kid: string): Promise<CryptoKey | undefined>;
}

/** Context string binding an encrypted private key to its kid. */
const aad = (kid: string) => `signing-key:${kid}`;

/** Generates a new ES256 key pair, encrypted for storage; the kid is the JWK thumbprint (RFC 7638). */
export async function generateSigningKey(box: SecretBox): Promise<NewSigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(ACCESS_TOKEN_ALGORITHM, { extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  const pkcs8 = await exportPKCS8(privateKey);
  return {
    kid,
    publicJwk: { kty: jwk.kty!, crv: jwk.crv!, x: jwk.x!, y: jwk.y! },
    privateKeyCiphertext: box.seal(Buffer.from(pkcs8, "utf8"), aad(kid)),
  };
}

/**
 * Makes a new active key and moves the current one to retiring, published
 * until `now + overlapMs`; also retires keys whose overlap has ended.
 * Answers the new kid and the retiring one.
 */
export async function rotateSigningKeys(
  db: Kysely<IdentityDatabase>,
  box: SecretBox,
  now: Date,
  overlapMs: number,
): Promise<{ activeKid: string; retiringKid: string | undefined }> {
  const key = await generateSigningKey(box);
  return db.transaction().execute(async (trx) => {
    await lockSigningKeys(trx);
    await retireExpiredKeys(trx, now);
    const retiringKid = await retireActiveKey(trx, now, new Date(now.getTime() + overlapMs));
    await insertActiveKey(trx, key, now);
    return { activeKid: key.kid, retiringKid };
  });
}

/** What the key store needs. */
export interface KeyStoreOptions {
  readonly db: Kysely<IdentityDatabase>;
  readonly box: SecretBox;
  readonly clock: () => Date;
  /** How long keys read from the database are reused; 0 reads every time. */
  readonly cacheTtlMs: number;
}

interface Snapshot {
  readonly loadedAt: number;
  readonly active: StoredSigningKey | undefined;
  readonly published: StoredSigningKey[];
}

/** A key store over identity's database. */
export function createKeyStore(options: KeyStoreOptions): KeyStore {
  const { db, box, clock, cacheTtlMs } = options;
  let snapshot: Promise<Snapshot> | undefined;
  const signers = new Map<string, Promise<CryptoKey>>();
  const verifiers = new Map<string, Promise<CryptoKey>>();

  const load = async (): Promise<Snapshot> => {
    const now = clock();
    const [active, published] = await Promise.all([findActiveKey(db), findPublishedKeys(db, now)]);
    return { loadedAt: now.getTime(), active, published };
  };
  const current = async (force = false): Promise<Snapshot> => {
    const cached = snapshot ? await snapshot.catch(() => undefined) : undefined;
    if (!force && cached && clock().getTime() - cached.loadedAt < cacheTtlMs) return cached;
    snapshot = load();
    return snapshot;
  };
  const publishedNow = (s: Snapshot) => {
    const now = clock();
    return s.published.filter((k) => k.state === "active" || (k.retireAfter !== null && k.retireAfter > now));
  };

  return {
    async ensureActiveKey() {
      if (await findActiveKey(db)) return;
      const key = await generateSigningKey(box);
      await db.transaction().execute(async (trx) => {
        await lockSigningKeys(trx);
        if (await findActiveKey(trx)) return;
        await insertActiveKey(trx, key, clock());
      });
      snapshot = undefined;
    },
    async signingKey() {
      let active = (await current()).active;
      if (!active) active = (await current(true)).active;
      if (!active) throw new Error("identity has no active signing key: run the service once or `npm run identity:rotate-keys`");
      const key = active;
      let privateKey = signers.get(key.kid);
      if (!privateKey) {
        privateKey = importPKCS8(box.open(key.privateKeyCiphertext, aad(key.kid)).toString("utf8"), ACCESS_TOKEN_ALGORITHM);
        signers.set(key.kid, privateKey);
      }
      return { kid: key.kid, privateKey: await privateKey };
    },
    async jwks() {
      return publishedNow(await current()).map((k) => ({ ...(k.publicJwk as { kty: string; crv: string; x: string; y: string }), kid: k.kid, alg: ACCESS_TOKEN_ALGORITHM, use: "sig" }));
    },
    async verificationKey(kid) {
      let found = publishedNow(await current()).find((k) => k.kid === kid);
      if (!found) found = publishedNow(await current(true)).find((k) => k.kid === kid);
      if (!found) return undefined;
      let key = verifiers.get(kid);
      if (!key) {
        key = importJWK({ ...found.publicJwk, alg: ACCESS_TOKEN_ALGORITHM } as JWK, ACCESS_TOKEN_ALGORITHM) as Promise<CryptoKey>;
        verifiers.set(kid, key);
      }
      return key;
    },
  };
}
