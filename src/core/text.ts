/**
 * Text from the wire on its way out: to a terminal (tables, the UI, stderr) and as JSON. Shared by
 * every renderer so they agree on what is unsafe.
 */

// C0 and C1 controls, DEL, and the Unicode line/paragraph separators and bidi overrides.

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Make a wire string safe to print: control characters (C0, C1, DEL), line separators and bidi overrides become `·`. */
export function clean(s: string): string {
  return s.replace(UNSAFE, '·');
}

const SEPARATORS = /[\u2028\u2029]/g;

/**
 * JSON.stringify(v), with U+2028 and U+2029 escaped as well (still exact JSON): JavaScript
 * before ES2019 and many line-oriented tools take them for line ends.
 */
export function toJson(v: unknown, space?: number): string {
  const s = space === undefined ? JSON.stringify(v) : JSON.stringify(v, null, space);
  return s.includes('\u2028') || s.includes('\u2029') ? s.replace(SEPARATORS, (c) => (c === '\u2028' ? '\\u2028' : '\\u2029')) : s;
}
