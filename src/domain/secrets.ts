/**
 * Secrets a person is given to keep (a calendar feed's URL, a webhook's signing key): sealed under
 * the server's key-encryption key so a tool can show them again, and found by a keyed hash so the
 * database never holds them in the clear. Provided by the composition root (security layer).
 */
export interface Secrets {
  /** The secret sealed (AES-256-GCM), bound to what it is for (`purpose`). */
  seal(purpose: string, plain: string): Promise<string>;
  open(purpose: string, sealed: string): Promise<string>;
  /** A keyed hash (HMAC-SHA256) of the secret, to find it by. */
  keyedHash(purpose: string, plain: string): Promise<string>;
}
