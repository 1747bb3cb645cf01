import v8 from 'node:v8';
import vm from 'node:vm';

const MB = 1024 * 1024;

/**
 * V8 sizes its old-space collection limit to the machine (gigabytes on a large one), so under a
 * steady stream of requests garbage piles up and the resident size of a small local server keeps
 * growing. This collects once the heap has grown by `budget` since the last collection: a full
 * collection of our ~25 MB live heap every few hundred calls, instead of hundreds of megabytes.
 * The V8 flags that would do this (--max-old-space-size) only work on the node command line,
 * which `node dist/cli.js` and `npx mcp-pa` do not let us set.
 */
export function createMemoryReducer(budget = 24 * MB): () => void {
  const gc = fullCollection();
  let baseline = v8.getHeapStatistics().used_heap_size;
  let scheduled = false;
  return function afterResponse() {
    if (scheduled || v8.getHeapStatistics().used_heap_size - baseline < budget) return;
    scheduled = true;
    // After the response is on its way, never in the middle of a request.
    setImmediate(() => {
      gc();
      baseline = v8.getHeapStatistics().used_heap_size;
      scheduled = false;
    });
  };
}

type Collect = (options?: { type: 'minor' | 'major' }) => void;
let gcFunction: Collect | undefined;

/** V8's collector, made callable (once) without --expose-gc on the command line. */
function collector(): Collect {
  if (!gcFunction) {
    v8.setFlagsFromString('--expose-gc');
    gcFunction = vm.runInNewContext('gc') as Collect;
  }
  return gcFunction;
}

function fullCollection(): () => void {
  const gc = collector();
  return () => gc();
}

/**
 * Collects now. For the moments a big request drops a copy of its body (the raw bytes once they
 * are text, the text once it is parsed): left to V8, those copies stay resident while the next
 * ones are made, and one upload costs several times its size.
 */
export async function collectGarbageNow(): Promise<void> {
  fullCollection()();
  await new Promise((resolve) => setImmediate(resolve));
}

/**
 * A young-generation collection (a millisecond or so). A body read from a socket leaves its 64 KiB
 * chunks behind once they are copied out; V8 lets 64 MiB of such outside memory pile up before it
 * looks, which for one 32 MiB upload doubles what it costs.
 */
export function collectYoungGarbage(): void {
  collector()({ type: 'minor' });
}
