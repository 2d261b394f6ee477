/**
 * The detail pane's content: a foldable tree built from one timeline record, and its flattening
 * into the visible lines for a set of expanded nodes.
 *
 * Contract:
 * - `buildDetail` is pure; node ids are structural paths (`args/0/app`, `chunks`), so a node the
 *   user expanded stays expanded while they move between messages of the same shape.
 * - Sections: the message header fields; the command name, transaction id and typed command
 *   fields; the AMF arguments; control, media, shared-object and aggregate bodies as trees; the
 *   raw bytes as a hex dump when the record has `rawHex`; and the chunk layout — the records carry
 *   no wire bytes, so the layout is drawn from `chunks.list` ([fmt, offset, headerLength,
 *   payloadLength, frame]) as a ruler (header `#`, payload `-`, `|` where a chunk starts) and a
 *   table. Handshake parts and diagnostics get their facts (a diagnostic its catalogue
 *   explanation).
 * - A node is open when `expanded[id]` says so, else by its `defaultOpen`, else when its depth <
 *   `DEFAULT_OPEN_DEPTH`. The AMF arguments start closed when the command has typed fields (they
 *   repeat them, e.g. connect's command object).
 * - Children of one node are capped (`MAX_CHILDREN`), the rest summarised in one line.
 */
import { CATALOGUE } from '../core/diagnostics.js';
import { isoTime } from '../core/time.js';
import type { ColorRole } from './theme.js';
import { arrow, clean, clip, isObj, kindOf, relTime, type TimelineRecord } from './format.js';

export type DetailNode = {
  readonly id: string;
  readonly label: string;
  readonly value?: string;
  readonly role?: ColorRole;
  readonly children?: readonly DetailNode[];
  /** Open unless the user toggled it (default: depth < DEFAULT_OPEN_DEPTH). */
  readonly defaultOpen?: boolean;
};

/** A coloured piece of a line (the hex view's bytes). */
export type DetailSeg = { readonly text: string; readonly role?: ColorRole | undefined };

export type DetailLine = {
  readonly id: string;
  readonly depth: number;
  readonly label: string;
  readonly value?: string;
  readonly role?: ColorRole;
  /** Drawn instead of label and value when present (the hex view). */
  readonly segs?: readonly DetailSeg[];
  readonly hasChildren: boolean;
  readonly open: boolean;
};

export type Expanded = Readonly<Record<string, boolean>>;

export const DEFAULT_OPEN_DEPTH = 2;
export const MAX_CHILDREN = 500;

export type DetailContext = {
  /** Capture time the session's relative times count from. */
  readonly sessionStart: number;
  /** Columns available for a line (the pane's inner width). */
  readonly width: number;
};

function leaf(id: string, label: string, value: string, role?: ColorRole): DetailNode {
  return role === undefined ? { id, label, value } : { id, label, value, role };
}

function scalar(v: unknown): string {
  if (typeof v === 'string') return clean(JSON.stringify(v));
  if (v === undefined) return 'undefined';
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- scalars by now (numbers, booleans, null, bigint)
  return clean(String(v));
}

function capped(id: string, nodes: DetailNode[], total: number): DetailNode[] {
  if (total <= MAX_CHILDREN) return nodes;
  return [...nodes.slice(0, MAX_CHILDREN), { id: `${id}/…`, label: `… ${total - MAX_CHILDREN} more`, role: 'dim' }];
}

/** A plain-JSON value (AMF converted by the decoder) as a tree. */
export function valueNode(id: string, label: string, v: unknown): DetailNode {
  if (Array.isArray(v)) {
    const kids = v.slice(0, MAX_CHILDREN).map((x, i) => valueNode(`${id}/${i}`, `[${i}]`, x));
    return { id, label, value: `array [${v.length}]`, role: 'dim', children: capped(id, kids, v.length) };
  }
  if (isObj(v)) {
    const keys = Object.keys(v);
    const kids = keys.slice(0, MAX_CHILDREN).map((k) => valueNode(`${id}/${k}`, clean(k), v[k]));
    return { id, label, value: `object {${keys.length}}`, role: 'dim', children: capped(id, kids, keys.length) };
  }
  return leaf(id, label, scalar(v));
}

function fieldsOf(id: string, o: Readonly<Record<string, unknown>>): DetailNode[] {
  const keys = Object.keys(o);
  return capped(
    id,
    keys.slice(0, MAX_CHILDREN).map((k) => valueNode(`${id}/${k}`, clean(k), o[k])),
    keys.length,
  );
}

function section(id: string, label: string, children: DetailNode[], value?: string, role?: ColorRole): DetailNode {
  const n: { id: string; label: string; children: DetailNode[]; value?: string; role?: ColorRole } = { id, label, children };
  if (value !== undefined) n.value = value;
  if (role !== undefined) n.role = role;
  return n;
}

/** Split text into lines of at most `width` columns, at spaces where possible. */
export function wrap(text: string, width: number): string[] {
  const w = Math.max(8, width);
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (word === '') continue;
    if (line === '') line = word;
    else if (line.length + 1 + word.length <= w) line += ' ' + word;
    else {
      out.push(line);
      line = word;
    }
    while (line.length > w) {
      out.push(line.slice(0, w));
      line = line.slice(w);
    }
  }
  if (line !== '') out.push(line);
  return out;
}

function textLines(id: string, text: string, width: number, role?: ColorRole): DetailNode[] {
  return wrap(text, width).map((l, i) => (role === undefined ? { id: `${id}/${i}`, label: l } : { id: `${id}/${i}`, label: l, role }));
}

function dirText(dir: 'c2s' | 's2c'): string {
  return dir === 'c2s' ? `${arrow(dir)} c2s (client to server)` : `${arrow(dir)} s2c (server to client)`;
}

function timeText(t: number, start: number): string {
  const iso = isoTime(t);
  return `${relTime(t, start)} s  (${iso})`;
}

/** The chunk layout: ruler, legend and table (from `chunks.list`). */
export function chunkLayout(r: TimelineRecord & { type: 'message' }, width: number): DetailNode {
  const id = 'chunks';
  const list = r.chunks.list;
  const kids: DetailNode[] = [];
  const avail = Math.max(10, width - 4);
  const total = list.reduce((n, c) => n + c[2] + c[3], 0);
  if (list.length > 0 && total > 0) {
    const bar = new Array<string>(avail).fill('-');
    let at = 0;
    for (const c of list) {
      const start = Math.floor((at / total) * avail);
      const end = Math.floor(((at + c[2] + c[3]) / total) * avail);
      // At least one `#` after the `|` when the chunk is wide enough to show a payload too.
      const hdrEnd = Math.max(start + (end - start >= 3 && c[2] > 0 ? 2 : 1), Math.floor(((at + c[2]) / total) * avail));
      for (let i = start; i < hdrEnd && i < avail; i++) bar[i] = '#';
      if (start < avail) bar[start] = '|';
      at += c[2] + c[3];
    }
    kids.push({ id: `${id}/ruler`, label: bar.join(''), role: 'accent' });
    kids.push({ id: `${id}/legend`, label: clip(`| chunk start  # header  - payload   1 col ≈ ${(total / avail).toFixed(1)} B`, avail), role: 'dim' });
  }
  const head = `${'#'.padStart(4)} ${'fmt'.padStart(3)} ${'offset'.padStart(10)} ${'+rel'.padStart(7)} ${'hdr'.padStart(3)} ${'payload'.padStart(7)} ${'frame'.padStart(7)}`;
  kids.push({ id: `${id}/head`, label: clip(head, avail), role: 'dim' });
  const base = list[0]?.[1] ?? r.offset;
  const rows: DetailNode[] = list.slice(0, MAX_CHILDREN).map((c, i) => ({
    id: `${id}/${i}`,
    label: clip(`${String(i + 1).padStart(4)} ${String(c[0]).padStart(3)} ${String(c[1]).padStart(10)} ${('+' + (c[1] - base)).padStart(7)} ${String(c[2]).padStart(3)} ${String(c[3]).padStart(7)} ${String(c[4]).padStart(7)}`, avail),
  }));
  kids.push(...rows);
  const unlisted = r.chunks.count - Math.min(list.length, MAX_CHILDREN);
  if (unlisted > 0) kids.push({ id: `${id}/more`, label: `… ${unlisted} more chunks not listed`, role: 'dim' });
  const value = `${r.chunks.count} chunk${r.chunks.count === 1 ? '' : 's'}, first fmt ${r.chunks.fmt}${r.chunks.extendedTimestamp ? ', extended timestamp' : ''}`;
  return section(id, 'Chunk layout', kids, value);
}

/** The raw body as a hex dump (16 bytes a line, 8 when narrow). */
export function hexDump(hex: string, width: number): string[] {
  const per = width >= 76 ? 16 : 8;
  const bytes: number[] = [];
  for (let i = 0; i + 1 < hex.length; i += 2) {
    const b = Number.parseInt(hex.slice(i, i + 2), 16);
    bytes.push(Number.isNaN(b) ? 0 : b);
  }
  const lines: string[] = [];
  for (let off = 0; off < bytes.length; off += per) {
    const row = bytes.slice(off, off + per);
    const hx = row.map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const asc = row.map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${off.toString(16).padStart(4, '0')}  ${hx.padEnd(per * 3 - 1)}  ${asc}`);
  }
  return lines;
}

export function buildDetail(r: TimelineRecord, ctx: DetailContext): DetailNode[] {
  const w = Math.max(20, ctx.width);
  if (r.type === 'diagnostic') {
    const kids: DetailNode[] = [leaf('diag/severity', 'Severity', r.severity, r.severity), leaf('diag/code', 'Code', r.code), ...textLines('diag/message', clean(r.message), w - 4)];
    if (r.session !== null) kids.push(leaf('diag/session', 'Session', String(r.session)));
    if (r.dir !== undefined) kids.push(leaf('diag/dir', 'Direction', dirText(r.dir)));
    if (r.frame !== undefined) kids.push(leaf('diag/frame', 'Frame', String(r.frame)));
    if (r.time !== undefined) kids.push(leaf('diag/time', 'Time', timeText(r.time, ctx.sessionStart)));
    if (r.offset !== undefined) kids.push(leaf('diag/offset', 'Stream offset', String(r.offset)));
    const out = [section('diag', 'Diagnostic', kids, undefined, r.severity)];
    if (r.context !== undefined) out.push(section('context', 'Context', fieldsOf('context', r.context)));
    const explain = (CATALOGUE as Readonly<Record<string, { explain: string }>>)[r.code]?.explain;
    if (explain !== undefined) out.push(section('explain', 'Explanation', textLines('explain', explain, w - 4)));
    return out;
  }
  if (r.type === 'handshake') {
    const kids: DetailNode[] = [
      leaf('hs/part', 'Part', r.part, 'handshake'),
      leaf('hs/dir', 'Direction', dirText(r.dir)),
      leaf('hs/frame', 'Frame', String(r.frame)),
      leaf('hs/time', 'Time', timeText(r.time, ctx.sessionStart)),
      leaf('hs/elapsed', r.rtmfp === undefined ? 'Since C0' : 'Since IHello', `${r.elapsedMs} ms`),
      leaf('hs/offset', 'Stream offset', String(r.offset)),
    ];
    const add = (key: string, label: string, v: unknown) => {
      if (v !== undefined) kids.push(leaf(`hs/${key}`, label, scalar(v)));
    };
    add('version', 'Version', r.version);
    add('encrypted', 'Encrypted (RTMPE)', r.encrypted);
    add('epoch', 'Time field', r.epoch);
    add('peerVersion', 'Peer version', r.peerVersion);
    add('handshake', 'Handshake', r.handshake);
    add('scheme', 'Digest scheme', r.scheme);
    add('digestValid', 'Digest valid', r.digestValid);
    if (r.dhKey !== undefined) add('dhKey', 'DH public key', `offset ${r.dhKey.offset}, ${r.dhKey.valid ? 'valid' : 'INVALID (not 1 < y < p-1)'}`);
    add('epoch2', 'Second time field', r.epoch2);
    add('echoes', 'Echoes peer block', r.echoes);
    if (r.rtmfp !== undefined) kids.push(valueNode('hs/rtmfp', 'RTMFP', r.rtmfp));
    return [section('hs', 'Handshake', kids, r.part, 'handshake')];
  }
  const kind = kindOf(r);
  const frames = r.firstFrame === r.frame ? String(r.frame) : `${r.firstFrame}–${r.frame}`;
  const out: DetailNode[] = [
    section(
      'msg',
      'Message',
      [
        leaf('msg/type', 'Type', `${r.typeId} ${clean(r.typeName)}`, kind),
        leaf('msg/dir', 'Direction', dirText(r.dir)),
        leaf('msg/frames', 'Frames', frames),
        leaf('msg/time', 'Time', timeText(r.time, ctx.sessionStart)),
        leaf('msg/csid', 'Chunk stream', String(r.csid)),
        leaf('msg/stream', 'Message stream', String(r.streamId)),
        leaf('msg/ts', 'Timestamp', `${r.timestamp} ms`),
        leaf('msg/length', 'Length', `${r.length} bytes`),
        leaf('msg/offset', 'Stream offset', String(r.offset)),
      ],
      clean(r.typeName),
      kind,
    ),
  ];
  if (r.name !== undefined) {
    const kids: DetailNode[] = [leaf('cmd/name', 'Name', scalar(r.name), kind)];
    if (r.transactionId !== undefined) kids.push(leaf('cmd/tid', 'Transaction id', String(r.transactionId)));
    if (r.command !== undefined) kids.push(...fieldsOf('cmd', r.command));
    out.push(section('cmd', kind === 'command' ? 'Command' : 'Data', kids, clean(r.name), kind));
  }
  if (r.args !== undefined) {
    const kids = r.args.slice(0, MAX_CHILDREN).map((a, i) => valueNode(`args/${i}`, `[${i}]`, a));
    const args = section('args', 'Arguments (AMF)', capped('args', kids, r.args.length), `${r.args.length}`);
    const typed = r.command !== undefined && Object.keys(r.command).length > 0;
    out.push(typed ? { ...args, defaultOpen: false } : args);
  }
  if (r.control !== undefined) out.push(section('control', 'Control', fieldsOf('control', r.control), undefined, 'control'));
  if (r.media !== undefined) out.push(section('media', r.typeId === 8 ? 'Audio tag header' : 'Video tag header', fieldsOf('media', r.media), undefined, kind));
  if (r.sharedObject !== undefined) out.push(section('so', 'Shared object', fieldsOf('so', r.sharedObject), undefined, 'data'));
  if (r.aggregate !== undefined) out.push(section('aggregate', 'Aggregate', fieldsOf('aggregate', r.aggregate), undefined, 'aggregate'));
  if (r.rawHex !== undefined) {
    const lines = hexDump(r.rawHex, w - 4);
    const kids = lines.slice(0, MAX_CHILDREN).map((l, i) => ({ id: `hex/${i}`, label: l }));
    out.push(section('hex', 'Raw bytes', capped('hex', kids, lines.length), `${r.rawHex.length / 2} bytes shown`));
  }
  out.push(chunkLayout(r, w));
  return out;
}

export function isOpen(node: DetailNode, depth: number, expanded: Expanded): boolean {
  return expanded[node.id] ?? node.defaultOpen ?? depth < DEFAULT_OPEN_DEPTH;
}

/** The visible lines of a tree, depth first, skipping the children of closed nodes. */
export function flattenDetail(nodes: readonly DetailNode[], expanded: Expanded): DetailLine[] {
  const out: DetailLine[] = [];
  const walk = (ns: readonly DetailNode[], depth: number) => {
    for (const n of ns) {
      const hasChildren = n.children !== undefined && n.children.length > 0;
      const open = hasChildren && isOpen(n, depth, expanded);
      const line: { -readonly [K in keyof DetailLine]: DetailLine[K] } = { id: n.id, depth, label: n.label, hasChildren, open };
      if (n.value !== undefined) line.value = n.value;
      if (n.role !== undefined) line.role = n.role;
      out.push(line);
      if (open) walk(n.children, depth + 1);
    }
  };
  walk(nodes, 0);
  return out;
}
