import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shutdownOnce } from '../src/transports/shutdown.js';

describe('shutting down on a signal', () => {
  it('runs once however many signals arrive, absorbs those that come while it runs, then lets go of them', async () => {
    const before = process.listenerCount('SIGTERM');
    let runs = 0;
    let finish!: () => void;
    const shutdown = shutdownOnce(async () => {
      runs++;
      await new Promise<void>((resolve) => (finish = resolve));
    });
    process.emit('SIGTERM');
    process.emit('SIGINT');
    process.emit('SIGTERM');
    // Still listening while closing: a real second signal reaches a handler, not the default that kills the process.
    assert.equal(process.listenerCount('SIGTERM'), before + 1);
    const again = shutdown('stdin closed');
    finish();
    await again;
    assert.equal(runs, 1);
    assert.equal(process.listenerCount('SIGTERM'), before, 'the handlers are removed once it has finished');
  });
});
