/** Byte helpers shared by the test builders, the robustness tests and the fuzzer. */

/** The parts one after another (byte arrays or plain lists of byte values). */
export function concat(...parts: readonly (Uint8Array | readonly number[])[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
