/**
 * Re-chunking helpers for push-decoder tests: every decoder must produce identical events however
 * its input is split. Each helper returns a list of chunkings (arrays of views into the input);
 * feed each chunking to a fresh decoder and compare the events with the single-chunk run.
 *
 * Contract: chunks are views (no copies) and always cover the input exactly, in order.
 */

/** The input in one piece. */
export function whole(input: Uint8Array): Uint8Array[] {
  return [input];
}

/** One byte per chunk. */
export function byteAtATime(input: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < input.length; i++) out.push(input.subarray(i, i + 1));
  return out;
}

/** The input cut at the given offsets (sorted, duplicates give empty chunks). */
export function splitAt(input: Uint8Array, offsets: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const o of [...offsets].sort((a, b) => a - b)) {
    out.push(input.subarray(prev, o));
    prev = o;
  }
  out.push(input.subarray(prev));
  return out;
}

/** Every two-piece split: [0..k) and [k..n) for k = 0..n. */
export function everySplit(input: Uint8Array): Uint8Array[][] {
  const out: Uint8Array[][] = [];
  for (let k = 0; k <= input.length; k++) out.push(splitAt(input, [k]));
  return out;
}

/** Whole, byte at a time, and every two-piece split (skipped above `maxEverySplit` bytes). */
export function allChunkings(input: Uint8Array, maxEverySplit = 4096): Uint8Array[][] {
  const out = [whole(input), byteAtATime(input)];
  if (input.length <= maxEverySplit) out.push(...everySplit(input));
  return out;
}
