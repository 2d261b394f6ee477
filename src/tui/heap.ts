/**
 * Keeps the UI's JavaScript heap near what it holds (issue #19: the UI's peak RSS flat, ≤ 128 MiB
 * at 16× the benchmark's capture).
 *
 * What grew was not what the UI keeps (compact rows, 42 bytes a record, and bounded caches: their
 * live heap stays at 25–40 MiB at 16×) but garbage: every render (React, ink's frame of styled
 * cells) allocates in bursts while records are being decoded, the young generation (2 × 4 MiB
 * semi-spaces, the executable's flag) promotes what is still referenced at a scavenge, and V8,
 * sizing the old generation for a machine with gigabytes, lets it grow to ~4× the live heap before
 * a full collection: 97 MiB of heap, 165 MiB RSS at 16× (108 MiB at 1×). V8's limits are fixed
 * when the process starts (a `--max-old-space-size` in the executable's shebang would cap every
 * command, and abort rather than collect when reached), so the UI collects itself: `check()`
 * (called by the store on each pushed batch and each published change) runs a full collection
 * when the heap in use has grown `slack` bytes past what the last one left.
 *
 * Contract: `check()` costs one `v8.getHeapStatistics()` (~7 µs); a collection ~15–40 ms, about
 * one per 16 MiB of promoted garbage (≈ 2 % of the UI's CPU while a file loads). Where `gc`
 * cannot be had (the flag refused), `check()` does nothing. Collections are counted (tests).
 */
import v8 from 'node:v8';
import vm from 'node:vm';

/** Heap growth past the last collection's result that triggers the next one. */
export const HEAP_SLACK = 16 << 20;

let gcFn: (() => void) | null | undefined;

/** V8's full collection, exposed at run time (null if V8 refuses). */
function exposedGc(): (() => void) | null {
  if (gcFn !== undefined) return gcFn;
  try {
    const g = (globalThis as { gc?: unknown }).gc;
    if (typeof g === 'function') gcFn = g as () => void;
    else {
      v8.setFlagsFromString('--expose-gc');
      const f = vm.runInNewContext('gc') as unknown;
      gcFn = typeof f === 'function' ? (f as () => void) : null;
    }
  } catch {
    gcFn = null;
  }
  return gcFn;
}

export class HeapKeeper {
  /** Full collections run so far. */
  collections = 0;
  private base: number;
  private readonly gc: (() => void) | null;

  constructor(
    private readonly slack = HEAP_SLACK,
    gc: (() => void) | null = exposedGc(),
  ) {
    this.gc = gc;
    this.base = v8.getHeapStatistics().used_heap_size;
  }

  check(): void {
    if (this.gc === null) return;
    const used = v8.getHeapStatistics().used_heap_size;
    if (used < this.base) this.base = used;
    else if (used > this.base + this.slack) {
      this.gc();
      this.collections++;
      this.base = v8.getHeapStatistics().used_heap_size;
    }
  }
}
