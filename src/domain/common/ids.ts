import crypto from 'node:crypto';

let lastMs = 0;
let counter = 0;

/**
 * A UUID version 7 (RFC 9562): a millisecond timestamp, then a counter, then random bits. Ids made
 * by one process sort in creation order even within a millisecond, which keeps "newest first"
 * lists stable and index inserts local.
 */
export function newId(): string {
  let ms = Date.now();
  if (ms <= lastMs) {
    counter = (counter + 1) & 0xfff;
    if (counter === 0) lastMs += 1; // 4096 ids in one millisecond: borrow the next one
    ms = lastMs;
  } else {
    counter = crypto.randomInt(0, 0x800); // random start leaves room to count up
    lastMs = ms;
  }
  // The random bits of a version 4 UUID (randomUUID draws from a cached pool: fetching 16 fresh
  // bytes per id cost a bulk call of 50 items more than a millisecond), under our time and counter;
  // its variant bits (10) are already those of version 7.
  const random = crypto.randomUUID();
  const time = ms.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8)}-7${counter.toString(16).padStart(3, '0')}-${random.slice(19)}`;
}
