/**
 * The hex view (`x`): the selected item's bytes as a dump with stream offsets, this message's
 * chunk headers marked inside the bytes.
 *
 * Contract: `hexLines(record, width)` is pure and returns detail lines (with coloured segments).
 * The bytes are the record's `wire` excerpt (the first bytes of the item from the wire, chunk
 * headers included; the UI's loader asks the analyzer for WIRE_EXCERPT bytes): for a message,
 * bytes of its own chunk headers are drawn in the header colour with the chunk's number beside
 * the line where it starts, its payload plain, and bytes of other messages' chunks interleaved
 * in between dimmed. What was not kept is said: the rest of a long item, or the whole of an item
 * whose first bytes had left the analyzer's buffer (then the body bytes a record keeps —
 * `rawHex` of an unknown type, a control message's `dataHex` — are dumped instead).
 */
import { RING_BYTES } from '../session/wire.js';
import { clean, thousands, type TimelineRecord } from './format.js';
import type { ColorRole } from './theme.js';
import { wrap, type DetailLine, type DetailSeg } from './tree.js';

type ByteClass = 'header' | 'payload' | 'other';

function bytesOf(hex: string): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < hex.length; i += 2) {
    const b = parseInt(hex.slice(i, i + 2), 16);
    if (Number.isNaN(b)) break;
    out.push(b);
  }
  return out;
}

/** A note wrapped to the pane's width (one line each). */
function note(id: string, text: string, width: number): DetailLine[] {
  return wrap(text, width - 4).map((t, i) => line(`${id}/${i}`, t, 'dim'));
}

function line(id: string, label: string, role?: ColorRole, segs?: readonly DetailSeg[]): DetailLine {
  const l: { id: string; depth: number; label: string; role?: ColorRole; segs?: readonly DetailSeg[]; hasChildren: boolean; open: boolean } = { id, depth: 0, label, hasChildren: false, open: false };
  if (role !== undefined) l.role = role;
  if (segs !== undefined) l.segs = segs;
  return l;
}

const ROLE: Readonly<Record<ByteClass, ColorRole | undefined>> = { header: 'accent', payload: undefined, other: 'dim' };

/**
 * A dump of `bytes` starting at stream offset `base`: `perLine` bytes a line, offset first, each
 * byte coloured by its class, and a note where one of this item's chunks starts.
 */
function dump(id: string, bytes: readonly number[], base: number, perLine: number, classOf: (off: number) => ByteClass, startNote: (off: number) => string | null): DetailLine[] {
  const out: DetailLine[] = [];
  const digits = Math.max(6, (base + bytes.length).toString(16).length);
  for (let i = 0; i < bytes.length; i += perLine) {
    const segs: DetailSeg[] = [{ text: (base + i).toString(16).padStart(digits, '0') + ' ', role: 'dim' }];
    const notes: string[] = [];
    let ascii = '';
    for (let k = 0; k < perLine; k++) {
      const off = base + i + k;
      const b = bytes[i + k];
      if (b === undefined) {
        segs.push({ text: '   ' });
        continue;
      }
      const note = startNote(off);
      if (note !== null) notes.push(note);
      segs.push({ text: note === null ? ' ' : '▸', role: 'accent' });
      segs.push({ text: b.toString(16).padStart(2, '0'), role: ROLE[classOf(off)] });
      ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
    }
    segs.push({ text: '  ' + ascii.padEnd(perLine), role: 'dim' });
    if (notes.length > 0) segs.push({ text: '  ' + notes.join(' '), role: 'accent' });
    out.push(line(`${id}/${i}`, '', undefined, segs));
  }
  return out;
}

/** Bytes a line for a pane `width` columns wide (16, or 8 when narrow). */
export function bytesPerLine(width: number): number {
  return width >= 8 + 16 * 3 + 2 + 16 ? 16 : 8;
}

/** The hex view of a timeline record. */
export function hexLines(r: TimelineRecord, width: number): DetailLine[] {
  const per = bytesPerLine(width);
  if (r.type === 'diagnostic') {
    return note('hex/none', 'A diagnostic has no bytes of its own: Enter on it in the diagnostics pane jumps to the item at fault; x there shows its bytes.', width);
  }
  const out: DetailLine[] = [];
  const wire = r.wire;
  if (r.type === 'handshake') {
    const total = r.part === 'C0' || r.part === 'S0' ? 1 : r.rtmfp !== undefined ? null : 1536;
    if (wire === undefined) {
      out.push(...note('hex/none', `${r.part}: no bytes kept (its first bytes had left the analyzer's ${thousands(RING_BYTES)}-byte buffer, or the capture was not loaded by the UI).`, width));
      return out;
    }
    const bytes = bytesOf(wire.hex);
    out.push(
      ...note(
        'hex/what',
        `${r.part}: bytes ${thousands(wire.offset)}–${thousands(wire.offset + bytes.length - 1)} of the ${r.dir} stream${total === null ? '' : `, ${thousands(bytes.length)} of ${thousands(total)}`}${total !== null && bytes.length < total ? ' (the rest not kept)' : ''}`,
        width,
      ),
    );
    out.push(
      ...dump(
        'hex',
        bytes,
        wire.offset,
        per,
        () => 'payload',
        () => null,
      ),
    );
    return out;
  }
  // A message: its chunks' headers marked.
  const chunks = r.chunks.list;
  const onWire = chunks.reduce((n, c) => n + c[2] + c[3], 0);
  const classOf = (off: number): ByteClass => {
    for (const c of chunks) {
      if (off >= c[1] && off < c[1] + c[2]) return 'header';
      if (off >= c[1] + c[2] && off < c[1] + c[2] + c[3]) return 'payload';
    }
    return 'other';
  };
  const startNote = (off: number): string | null => {
    for (let i = 0; i < chunks.length; i++) {
      const c = chunks[i]!;
      if (c[1] === off) return `chunk ${i + 1}: fmt ${c[0]}, ${c[2]} B hdr`;
    }
    return null;
  };
  if (wire !== undefined) {
    const bytes = bytesOf(wire.hex);
    const end = wire.offset + bytes.length;
    const shownOwn = chunks.reduce((n, c) => n + Math.max(0, Math.min(end, c[1] + c[2] + c[3]) - Math.max(wire.offset, c[1])), 0);
    const more = r.chunks.count > chunks.length ? ` (chunk list capped at ${chunks.length} of ${thousands(r.chunks.count)})` : '';
    out.push(
      ...note(
        'hex/what',
        `${thousands(shownOwn)} of this message's ${thousands(onWire)} bytes on the wire (${r.chunks.count} chunk${r.chunks.count === 1 ? '' : 's'}${more}), from offset ${thousands(wire.offset)} of the ${r.dir} stream${shownOwn < onWire ? '; the rest not kept' : ''}`,
        width,
      ),
    );
    out.push(line('hex/key', '', undefined, [{ text: '▸ chunk start  ', role: 'accent' }, { text: 'header', role: 'accent' }, { text: '  payload  ' }, { text: "other messages' chunks", role: 'dim' }]));
    out.push(...dump('hex', bytes, wire.offset, per, classOf, startNote));
    return out;
  }
  out.push(...note('hex/none', `The wire bytes of this message were not kept (its first chunk, at offset ${thousands(r.offset)}, had left the analyzer's ${thousands(RING_BYTES)}-byte buffer, or the capture was not loaded by the UI).`, width));
  const body = r.rawHex ?? (r.control?.kind === 'user-control' ? r.control.dataHex : undefined);
  if (body !== undefined) {
    out.push(...note('hex/body', `Body bytes the record keeps (${thousands(body.length / 2)} of the ${thousands(r.length)}-byte body), no chunk headers:`, width));
    out.push(
      ...dump(
        'hex/b',
        bytesOf(clean(body)),
        0,
        per,
        () => 'payload',
        () => null,
      ),
    );
  }
  return out;
}
