import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errors } from 'oidc-provider';
import { OAuthStore } from '../../src/auth/oauth-store.js';
import { revokeAccountRecords, sweepExpiredOAuthRecords, sweepOldLoginFailures } from '../../src/storage/oauth-records.js';
import type { OpenedRuntime } from '../../src/runtime.js';
import { AVAILABLE_ENGINES, openTestRuntime } from '../helpers/engines.js';

for (const engine of AVAILABLE_ENGINES) {
  describe(`the authorization server's storage on ${engine}`, () => {
    let runtime: OpenedRuntime;
    let store: (model: string) => OAuthStore;
    before(async () => {
      ({ runtime } = await openTestRuntime(engine));
      store = OAuthStore.factory(runtime.engine);
    });
    after(() => runtime.close());

    it('keeps a record until it expires, and never the token value itself', async () => {
      const codes = store('AuthorizationCode');
      await codes.upsert('code-value-1', { jti: 'code-value-1', grantId: 'g1', accountId: 'a', kind: 'AuthorizationCode' }, 60);
      assert.deepEqual(await codes.find('code-value-1'), { jti: 'code-value-1', grantId: 'g1', accountId: 'a', kind: 'AuthorizationCode' });
      const stored = await runtime.engine.db.selectFrom('oauth_records').selectAll().execute();
      assert.ok(!JSON.stringify(stored).includes('code-value-1'), 'only a hash of the value is stored');
      await codes.upsert('short-lived', { jti: 'short-lived', grantId: 'g1' }, -1);
      assert.equal(await codes.find('short-lived'), undefined, 'expired');
      assert.ok((await sweepExpiredOAuthRecords(runtime.engine)) >= 1);
      assert.ok(
        (await runtime.engine.db.selectFrom('oauth_records').select('id_hash').where('expires_at', '<=', new Date().toISOString()).execute()).length === 0,
        'swept',
      );
      assert.equal(await store('AccessToken').find('code-value-1'), undefined, 'records are per model');
    });

    it('forgets failed sign-ins after 15 minutes', async () => {
      const old = new Date(Date.now() - 16 * 60 * 1000).toISOString();
      await runtime.engine.db
        .insertInto('login_failures')
        .values([
          { subject: 'email:old@example.com', failures: 5, last_failure_at: old },
          { subject: 'email:new@example.com', failures: 1, last_failure_at: new Date().toISOString() },
        ])
        .execute();
      assert.equal(await sweepOldLoginFailures(runtime.engine), 1);
      assert.deepEqual(
        (await runtime.engine.db.selectFrom('login_failures').select('subject').execute()).map((r) => r.subject),
        ['email:new@example.com'],
      );
    });

    it('finds sessions by uid and device codes by user code', async () => {
      await store('Session').upsert('session-cookie', { jti: 'session-cookie', uid: 'uid-1', accountId: 'a' }, 600);
      assert.equal((await store('Session').findByUid('uid-1'))?.jti, 'session-cookie');
      await store('DeviceCode').upsert('device-1', { jti: 'device-1', userCode: 'ABCD-EFGH', grantId: 'g9' }, 600);
      assert.equal((await store('DeviceCode').findByUserCode('ABCD-EFGH'))?.grantId, 'g9');
      await store('Session').destroy('session-cookie');
      assert.equal(await store('Session').findByUid('uid-1'), undefined);
    });

    it('revokes every code and token of a grant, and the grant', async () => {
      await store('Grant').upsert('grant-2', { jti: 'grant-2', accountId: 'a', clientId: 'c' }, 600);
      await store('AccessToken').upsert('at-2', { jti: 'at-2', grantId: 'grant-2' }, 600);
      await store('RefreshToken').upsert('rt-2', { jti: 'rt-2', grantId: 'grant-2' }, 600);
      await store('RefreshToken').upsert('rt-other', { jti: 'rt-other', grantId: 'grant-3' }, 600);
      await store('AccessToken').revokeByGrantId('grant-2');
      assert.equal(await store('AccessToken').find('at-2'), undefined);
      assert.equal(await store('RefreshToken').find('rt-2'), undefined);
      assert.equal(await store('Grant').find('grant-2'), undefined);
      assert.ok(await store('RefreshToken').find('rt-other'), 'another grant is untouched');
    });

    it('revokes everything of an account at once (when it is disabled or deleted)', async () => {
      await store('Grant').upsert('grant-acct', { jti: 'grant-acct', accountId: 'acct-1', clientId: 'c' }, 600);
      await store('RefreshToken').upsert('rt-acct', { jti: 'rt-acct', grantId: 'grant-acct', accountId: 'acct-1' }, 600);
      await store('Session').upsert('sess-acct', { jti: 'sess-acct', uid: 'u-acct', accountId: 'acct-1' }, 600);
      await store('RefreshToken').upsert('rt-someone', { jti: 'rt-someone', grantId: 'g-x', accountId: 'acct-2' }, 600);
      assert.equal(await revokeAccountRecords(runtime.engine, 'acct-1'), 3);
      assert.equal(await store('RefreshToken').find('rt-acct'), undefined);
      assert.equal(await store('Session').findByUid('u-acct'), undefined);
      assert.ok(await store('RefreshToken').find('rt-someone'));
    });

    it('lets exactly one of many simultaneous redemptions win, and revokes the grant for the rest', async () => {
      for (const model of ['AuthorizationCode', 'RefreshToken']) {
        const id = `${model}-race`;
        await store(model).upsert(id, { jti: id, grantId: `grant-${model}` }, 60);
        await store('AccessToken').upsert(`issued-before-${model}`, { jti: `issued-before-${model}`, grantId: `grant-${model}` }, 600);
        const attempts = await Promise.allSettled(Array.from({ length: 20 }, () => store(model).consume(id)));
        assert.equal(attempts.filter((a) => a.status === 'fulfilled').length, 1, `${model}: one winner`);
        for (const failed of attempts.filter((a): a is PromiseRejectedResult => a.status === 'rejected')) {
          assert.ok(failed.reason instanceof errors.InvalidGrant, String(failed.reason));
        }
        assert.equal(await store('AccessToken').find(`issued-before-${model}`), undefined, `${model}: the grant's tokens are revoked`);
      }
    });

    it('reports a second redemption after the first as consumed, so the provider treats it as a replay', async () => {
      const codes = store('AuthorizationCode');
      await codes.upsert('code-once', { jti: 'code-once', grantId: 'g-once' }, 60);
      await codes.consume('code-once');
      assert.equal(typeof (await codes.find('code-once'))?.consumed, 'number');
      await assert.rejects(codes.consume('code-once'), errors.InvalidGrant);
    });
  });
}
