/**
 * Encryption at rest of identity's secrets (signing private keys, TOTP
 * secrets, a rotated refresh token's successor during its grace period):
 * AES-256-GCM with a key derived by HKDF-SHA256 from
 * IDENTITY_KEY_ENCRYPTION_SECRET, and associated data binding each ciphertext
 * to its row (a ciphertext copied to another row does not decrypt).
 * Layout: version byte 1 | 12-byte IV | 16-byte tag | ciphertext.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

/** Encrypts and decrypts small secrets bound to a context string. */
export interface SecretBox {
  seal(plaintext: Buffer, context: string): Buffer;
  /** Throws when the ciphertext was altered, belongs to another context, or another key. */
  open(sealed: Buffer, context: string): Buffer;
}

const VERSION = 1;

/** A box keyed from `secret`. */
export function createSecretBox(secret: string): SecretBox {
  const key = Buffer.from(hkdfSync("sha256", Buffer.from(secret, "utf8"), Buffer.alloc(0), "wallet-identity/at-rest/v1", 32));
  return {
    seal(plaintext, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      cipher.setAAD(Buffer.from(context, "utf8"));
      const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
    },
    open(sealed, context) {
      if (sealed[0] !== VERSION) throw new Error("unknown ciphertext version");
      const decipher = createDecipheriv("aes-256-gcm", key, sealed.subarray(1, 13));
      decipher.setAAD(Buffer.from(context, "utf8"));
      decipher.setAuthTag(sealed.subarray(13, 29));
      return Buffer.concat([decipher.update(sealed.subarray(29)), decipher.final()]);
    },
  };
}
