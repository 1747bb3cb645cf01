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
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
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
