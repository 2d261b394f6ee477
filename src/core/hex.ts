/** Bytes as lowercase hexadecimal text, two digits a byte (FourCCs, codec strings, keys, excerpts). */

/** One byte as two lowercase hex digits. */
export function hexByte(b: number): string {
  return (b < 16 ? '0' : '') + b.toString(16);
}

/** `b[start..end)` as lowercase hex, two digits a byte (bytes past the end read as 0). */
export function hexBytes(b: Uint8Array, start = 0, end = b.length): string {
  let s = '';
  for (let i = start; i < end; i++) s += hexByte(b[i] ?? 0);
  return s;
}
