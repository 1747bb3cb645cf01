import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createEmbeddingsClient } from '../../src/net/embeddings-client.js';

/** A provider that answers each request with what the test queued. */
describe('the embeddings client', () => {
  const answers: ((res: http.ServerResponse) => void)[] = [];
  const bodies: unknown[] = [];
  let server: http.Server;
  let url: string;
  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bodies.push({ path: req.url, ...(JSON.parse(body) as object) });
        answers.shift()!(res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const answer = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    answers.push((res) =>
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(typeof body === 'string' ? body : JSON.stringify(body)),
    );

  it('posts the texts to <url>/embeddings and returns the vectors in the order of their index', async () => {
    const client = createEmbeddingsClient({ url, model: 'm', timeoutMs: 5000 });
    answer(200, {
      data: [
        { index: 1, embedding: [0, 1] },
        { index: 0, embedding: [1, 0] },
      ],
    });
    assert.deepEqual(await client.embed(['a', 'b']), [
      [1, 0],
      [0, 1],
    ]);
    assert.deepEqual(bodies.at(-1), { path: '/v1/embeddings', model: 'm', input: ['a', 'b'], encoding_format: 'float' });
    // Given the endpoint itself, it posts there.
    const direct = createEmbeddingsClient({ url: `${url}/embeddings`, model: 'm', timeoutMs: 5000 });
    answer(200, { data: [{ index: 0, embedding: [1] }] });
    await direct.embed(['a']);
    assert.equal((bodies.at(-1) as { path: string }).path, '/v1/embeddings');
  });

  it('refuses answers it cannot use, saying why', async () => {
    const client = createEmbeddingsClient({ url, model: 'm', timeoutMs: 5000 });
    for (const [status, body, why] of [
      [200, { data: [{ index: 0, embedding: [1, 0] }] }, /holds 1 embeddings for 2 texts/],
      [
        200,
        {
          data: [
            { index: 0, embedding: [1, 0] },
            { index: 1, embedding: [1] },
          ],
        },
        /not 2 lists of numbers of one length/,
      ],
      [
        200,
        {
          data: [
            { index: 0, embedding: [1, 'x'] },
            { index: 1, embedding: [1, 2] },
          ],
        },
        /not 2 lists of numbers/,
      ],
      [200, 'not json', /not JSON/],
      [404, { error: { message: 'model "m" not found, try pulling it first' } }, /answered 404$/],
      [302, '', /answered 302/],
    ] as const) {
      answer(status, body, status === 302 ? { location: 'http://169.254.169.254/latest' } : {});
      await assert.rejects(client.embed(['a', 'b']), why);
    }
  });

  it('keeps what the provider said out of the message (it may quote a person’s text) and in `detail`, for the log', async () => {
    const client = createEmbeddingsClient({ url, model: 'm', timeoutMs: 5000 });
    answer(422, { detail: [{ msg: 'input too long', input: 'my secret diary entry' }] });
    const err = (await client.embed(['my secret diary entry']).catch((e: unknown) => e)) as Error & { detail?: string };
    assert.equal(err.message, 'the embeddings provider answered 422');
    assert.match(err.detail!, /my secret diary entry/);
  });

  it('says when the provider cannot be reached', async () => {
    // A name that does not resolve: the error says the provider cannot be reached.
    const client = createEmbeddingsClient({ url: 'http://localtest.invalid:1/v1', model: 'm', timeoutMs: 2000 });
    await assert.rejects(client.embed(['a']), /cannot reach the embeddings provider/);
  });
});
