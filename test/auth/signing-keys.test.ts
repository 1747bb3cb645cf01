import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SignJWT, importJWK, jwtVerify, type JWK } from 'jose';
import { loadSigningKeys, rotateSigningKeys } from '../../src/auth/signing-keys.js';
import type { OpenedRuntime } from '../../src/runtime.js';
import { AVAILABLE_ENGINES, openTestRuntime } from '../helpers/engines.js';

for (const engine of AVAILABLE_ENGINES) {
  describe(`signing keys on ${engine}`, () => {
    let runtime: OpenedRuntime;
    const kek = crypto.randomBytes(32);
    before(async () => ({ runtime } = await openTestRuntime(engine)));
    after(() => runtime.close());

    it('creates one ES256 and one RS256 key once, and keeps their private halves sealed', async () => {
      const first = await loadSigningKeys(runtime.engine, kek);
      assert.deepEqual(first.keys.map((k) => k.alg).sort(), ['ES256', 'RS256']);
      assert.deepEqual(
        (await loadSigningKeys(runtime.engine, kek)).keys.map((k) => k.kid),
        first.keys.map((k) => k.kid),
        'the same keys on the next start',
      );
      const stored = JSON.stringify(await runtime.engine.db.selectFrom('signing_keys').selectAll().execute());
      for (const key of first.keys) assert.ok(!stored.includes(key.d!), `the private part of ${key.kid} is not stored in the clear`);
      const es = first.keys.find((k) => k.alg === 'ES256')!;
      const token = await new SignJWT({ sub: 'x' }).setProtectedHeader({ alg: 'ES256', kid: es.kid }).sign(await importJWK(es));
      const row = await runtime.engine.db.selectFrom('signing_keys').select('public_jwk').where('kid', '=', es.kid!).executeTakeFirstOrThrow();
      await jwtVerify(token, await importJWK(JSON.parse(row.public_jwk) as JWK, 'ES256'));
    });

    it('refuses a key-encryption key that did not seal them', async () => {
      await assert.rejects(loadSigningKeys(runtime.engine, crypto.randomBytes(32)), /key-encryption key does not open signing key/);
    });

    it('rotates: new keys sign, old ones verify until their tokens have expired, then go', async () => {
      const before = (await loadSigningKeys(runtime.engine, kek)).keys.map((k) => k.kid!);
      const { added, retiring } = await rotateSigningKeys(runtime.engine, kek, 3600);
      assert.equal(added.length, 2);
      assert.deepEqual(retiring.map((r) => r.kid).sort(), [...before].sort());
      assert.ok(Date.parse(retiring[0]!.until) >= Date.now() + 3600 * 1000, 'kept at least a token lifetime');
      const now = (await loadSigningKeys(runtime.engine, kek)).keys.map((k) => k.kid!);
      assert.deepEqual(now.slice(0, 2).sort(), [...added].sort(), 'the new keys come first: they sign');
      assert.deepEqual(now.slice(2).sort(), [...before].sort(), 'the old ones are still there to verify');
      await runtime.engine.db
        .updateTable('signing_keys')
        .set({ verify_until: new Date(Date.now() - 1000).toISOString() })
        .where('retired_at', 'is not', null)
        .execute();
      assert.deepEqual((await loadSigningKeys(runtime.engine, kek)).keys.map((k) => k.kid).sort(), [...added].sort(), 'expired keys are removed');
    });
  });
}
