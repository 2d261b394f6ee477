/**
 * Message bodies by type id (RTMP 1.0 §5.4, §7.1): control, user control, commands and data
 * (AMF0/AMF3), shared objects, audio/video tag headers and aggregates. Pure; never throws: an
 * AMF error stops that body's decoding at the message boundary and is returned as a problem.
 *
 * Types 15, 16 and 17 (the "AMF3" variants) start with one format byte (0) and continue in AMF0
 * encoding, where a 0x11 marker switches a single value to AMF3.
 */
import { decodeAmf0Values, decodeAmf0Value, createAmfReader, readAmf0Utf8, asNumber, asString, toPlain, type PlainValue, type AmfError } from '../amf/index.js';
import type { DiagnosticCode } from '../core/diagnostics.js';
import { decodeControl, messageTypeName, type ControlBody } from './control.js';
import { commandFields, dataFields, type CommandFields } from './commands.js';
import { decodeAudioHeader, type AudioHeader } from '../media/audio.js';
import { decodeVideoHeader, type VideoHeader } from '../media/video.js';
import { decodeAudioConfig, decodeVideoConfig, type AudioConfig, type VideoConfig } from '../media/config.js';
import { decodeAc3Syncframe, type Ac3Syncframe } from '../media/ac3.js';
import { timestampOffsetNano } from '../media/ex-header.js';
import { decodeVp9KeyframeHeader, type Vp9KeyframeHeader } from '../media/vp9.js';
import { u24, u32 } from '../core/byte-reader.js';

export type Problem = { readonly code: DiagnosticCode; readonly message: string; readonly offset?: number };

export type SharedObjectEvent = {
  readonly type: number;
  readonly typeName: string;
  readonly length: number;
  readonly name?: string;
  readonly values?: readonly PlainValue[];
};

export type SharedObjectBody = {
  readonly name: string;
  readonly version: number;
  readonly persistent: boolean;
  readonly events: readonly SharedObjectEvent[];
};

/** A media tag header plus, for sequence headers, the decoded codec configuration and, for E-RTMP metadata, its AMF content. */
export type MediaInfo = (AudioHeader | VideoHeader) & {
  readonly config?: AudioConfig | VideoConfig;
  readonly metadata?: readonly PlainValue[];
  /** Multitrack sequence headers: each track's decoded configuration (tracks without a decoder left out). */
  readonly trackConfigs?: readonly TrackConfig[];
  /** VP9 keyframes: the uncompressed header (the picture size VP9's vpcC does not carry). */
  readonly keyframeHeader?: Vp9KeyframeHeader;
  /** AC-3 / E-AC-3 coded frames: the first syncframe's header (these streams have no configuration record). */
  readonly syncframe?: Ac3Syncframe;
  /** Multitrack AC-3 / E-AC-3 coded frames: each track's first syncframe header. */
  readonly trackSyncframes?: readonly TrackSyncframe[];
  /** E-RTMP ModEx TimestampOffsetNano applied to this message, in ns (present only when the message had one). */
  readonly nanoOffset?: number;
  /**
   * With `nanoOffset`: the presentation time in ns, (RTMP timestamp + composition time) × 10^6 +
   * nanoOffset (the RTMP timestamp is the decode time; the offset refines it below a millisecond).
   */
  readonly presentationTimeNs?: number;
};

export type TrackSyncframe = { readonly trackId: number; readonly syncframe: Ac3Syncframe };

export type TrackConfig = { readonly trackId: number; readonly config: AudioConfig | VideoConfig };

export type AggregateTag = {
  readonly typeId: number;
  readonly length: number;
  /** Rebased onto the aggregate message's timestamp. */
  readonly timestamp: number;
  readonly streamId: number;
  readonly media?: MediaInfo;
};

/** An aggregate message's FLV tags (the first MAX_AGGREGATE_TAGS) and how many it held. */
export type AggregateBody = { readonly tags: readonly AggregateTag[]; readonly count: number };

export type DecodedBody = {
  readonly typeName: string;
  /** Command or data handler name (types 15, 17, 18, 20). */
  readonly name?: string;
  readonly transactionId?: number;
  /** AMF values after name and transaction id, as plain JSON (commands: the command object first). */
  readonly args?: readonly PlainValue[];
  readonly command?: CommandFields;
  readonly control?: ControlBody;
  readonly media?: MediaInfo;
  readonly sharedObject?: SharedObjectBody;
  readonly aggregate?: AggregateBody;
  /** Unknown types: the first bytes as hex. */
  readonly rawHex?: string;
  readonly problems: readonly Problem[];
};

const SO_EVENTS: Readonly<Record<number, string>> = {
  1: 'Use',
  2: 'Release',
  3: 'RequestChange',
  4: 'Change',
  5: 'Success',
  6: 'SendMessage',
  7: 'Status',
  8: 'Clear',
  9: 'Remove',
  10: 'RequestRemove',
  11: 'UseSuccess',
};

const MAX_AGGREGATE_TAGS = 512;
const MAX_SO_EVENTS = 256;

function hex(b: Uint8Array, max = 64): string {
  let s = '';
  const n = Math.min(b.length, max);
  for (let i = 0; i < n; i++) s += ((b[i] as number) < 16 ? '0' : '') + (b[i] as number).toString(16);
  return s;
}

function amfProblem(e: AmfError, base: number): Problem {
  return { code: e.code, message: e.message, offset: e.offset + base };
}

/**
 * Decode a message body. `body` may be only a prefix of the message (`truncated`): commands are
 * then decoded as far as the prefix goes, media headers from the prefix.
 */
export function decodeMessageBody(typeId: number, body: Uint8Array, timestamp: number, truncated: boolean, length = body.length): DecodedBody {
  const typeName = messageTypeName(typeId);
  switch (typeId) {
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
    case 6: {
      const r = decodeControl(typeId, body);
      const problems: Problem[] = [];
      if (r.problem === 'short') problems.push({ code: 'rtmp.control.short', message: `${typeName} body of ${body.length} bytes is too short` });
      if (r.problem === 'long') problems.push({ code: 'rtmp.control.long', message: `${typeName} body of ${body.length} bytes is longer than the type defines` });
      return { typeName, ...(r.control === null ? {} : { control: r.control }), problems };
    }
    case 8:
    case 9:
      return { typeName, media: decodeMedia(typeId, body, timestamp, length), problems: [] };
    case 15:
    case 17:
    case 18:
    case 20:
      return decodeAmfMessage(typeId, typeName, body, truncated);
    case 16:
    case 19:
      return decodeSharedObject(typeName, typeId === 16 ? body.subarray(1) : body, typeId === 16 ? 1 : 0);
    case 22:
      return decodeAggregate(typeName, body, timestamp, truncated);
    default:
      return { typeName, rawHex: hex(body), problems: [{ code: 'rtmp.message.unknown-type', message: `message type ${typeId} is not defined by RTMP` }] };
  }
}

/**
 * Audio/video header, then what the body holds when it is small and structured: the codec
 * configuration of a sequence header, or the AMF of an E-RTMP Metadata packet. Problems of all
 * three are merged into the header's `problems`.
 */
function decodeMedia(typeId: 8 | 9, body: Uint8Array, timestamp: number, length = body.length): MediaInfo {
  const m = decodeMediaBody(typeId, body, length);
  const nano = timestampOffsetNano(m.modEx);
  if (nano === undefined) return m;
  const ct = 'compositionTime' in m ? (m.compositionTime ?? 0) : 0;
  return { ...m, nanoOffset: nano, presentationTimeNs: (timestamp + ct) * 1_000_000 + nano };
}

const AC3_CODECS: ReadonlySet<string> = new Set(['ac3', 'eac3']);

function decodeMediaBody(typeId: 8 | 9, body: Uint8Array, length: number): MediaInfo {
  let h = typeId === 8 ? decodeAudioHeader(body) : decodeVideoHeader(body);
  // Only a prefix of the body was kept: the media bytes run to the end of the message.
  if (length > body.length && h.multitrack === undefined && h.bodyLength > 0) h = { ...h, bodyLength: length - h.bodyOffset };
  if (h.content === 'config' && h.multitrack === undefined && h.bodyLength > 0) {
    const cfgBody = body.subarray(h.bodyOffset, h.bodyOffset + h.bodyLength);
    const config = typeId === 8 ? decodeAudioConfig(h.codec, cfgBody) : decodeVideoConfig(h.codec, cfgBody);
    if (config !== undefined) {
      const problems = [...h.problems, ...config.problems.filter((p) => !h.problems.includes(p))];
      return { ...h, problems, config };
    }
  }
  if (h.content === 'config' && h.multitrack !== undefined) {
    const trackConfigs: TrackConfig[] = [];
    const problems = [...h.problems];
    for (const t of h.multitrack.tracks) {
      const cfgBody = body.subarray(t.bodyOffset, t.bodyOffset + t.bodyLength);
      const config = t.bodyLength === 0 ? undefined : typeId === 8 ? decodeAudioConfig(t.codec, cfgBody) : decodeVideoConfig(t.codec, cfgBody);
      if (config === undefined) continue;
      trackConfigs.push({ trackId: t.trackId, config });
      for (const p of config.problems) if (!problems.includes(p)) problems.push(p);
    }
    if (trackConfigs.length > 0) return { ...h, problems, trackConfigs };
  }
  if (h.content === 'frames' && h.codec === 'vp9' && h.multitrack === undefined && 'frameTypeName' in h && h.frameTypeName === 'key') {
    const keyframeHeader = decodeVp9KeyframeHeader(body.subarray(h.bodyOffset, h.bodyOffset + 16));
    if (keyframeHeader !== undefined) return { ...h, keyframeHeader };
  }
  if (h.content === 'frames' && typeId === 8) {
    if (h.multitrack === undefined) {
      const syncframe = AC3_CODECS.has(h.codec) ? decodeAc3Syncframe(body.subarray(h.bodyOffset, h.bodyOffset + 8)) : undefined;
      if (syncframe !== undefined) return { ...h, syncframe };
    } else {
      const trackSyncframes: TrackSyncframe[] = [];
      for (const t of h.multitrack.tracks) {
        const syncframe = AC3_CODECS.has(t.codec) ? decodeAc3Syncframe(body.subarray(t.bodyOffset, t.bodyOffset + Math.min(8, t.bodyLength))) : undefined;
        if (syncframe !== undefined) trackSyncframes.push({ trackId: t.trackId, syncframe });
      }
      if (trackSyncframes.length > 0) return { ...h, trackSyncframes };
    }
  }
  if (h.content === 'metadata' && h.bodyLength > 0) {
    const r = decodeAmf0Values(body.subarray(h.bodyOffset, h.bodyOffset + h.bodyLength));
    return { ...h, metadata: r.values.map(toPlain) };
  }
  return h;
}

function decodeAmfMessage(typeId: number, typeName: string, body: Uint8Array, truncated: boolean): DecodedBody {
  const base = typeId === 15 || typeId === 17 ? 1 : 0;
  const problems: Problem[] = [];
  if (base === 1 && body.length > 0 && body[0] !== 0) {
    problems.push({ code: 'rtmp.amf3.format-byte', message: `AMF3 ${typeId === 17 ? 'command' : 'data'} message starts with format byte ${body[0]}, not 0` });
  }
  const r = decodeAmf0Values(body.subarray(base));
  if (r.error !== undefined && !(truncated && r.error.code === 'amf.truncated')) problems.push(amfProblem(r.error, base));
  if (truncated) problems.push({ code: 'rtmp.message.body-capped', message: `body longer than the decoder keeps; decoded ${body.length} bytes` });
  const values = r.values;
  const name = asString(values[0]);
  if (name === undefined) {
    problems.push({ code: 'rtmp.command.no-name', message: 'the first AMF value is not a string (command or handler name)' });
    return { typeName, args: values.map(toPlain), problems };
  }
  if (typeId === 17 || typeId === 20) {
    const tx = asNumber(values[1]);
    return {
      typeName,
      name,
      ...(tx === undefined || !Number.isFinite(tx) ? {} : { transactionId: tx }),
      args: values.slice(2).map(toPlain),
      command: commandFields(name, values),
      problems,
    };
  }
  return { typeName, name, args: values.slice(1).map(toPlain), command: dataFields(name, values), problems };
}

/** Shared object message: name, version, flags, then a list of typed events. */
function decodeSharedObject(typeName: string, b: Uint8Array, base: number): DecodedBody {
  const problems: Problem[] = [];
  const r = createAmfReader(b);
  const name = readAmf0Utf8(r);
  if (name === undefined || r.remaining < 12) {
    return { typeName, problems: [{ code: 'rtmp.shared-object.truncated', message: 'shared object header is incomplete' }] };
  }
  const version = u32(b, r.pos);
  const persistent = u32(b, r.pos + 4) === 2 || u32(b, r.pos + 4) === 1;
  let p = r.pos + 12;
  const events: SharedObjectEvent[] = [];
  while (p < b.length && events.length < MAX_SO_EVENTS) {
    if (p + 5 > b.length) {
      problems.push({ code: 'rtmp.shared-object.truncated', message: 'shared object event header is incomplete', offset: p + base });
      break;
    }
    const type = b[p] as number;
    const length = u32(b, p + 1);
    const start = p + 5;
    const end = start + length;
    if (end > b.length) {
      problems.push({ code: 'rtmp.shared-object.truncated', message: `shared object event claims ${length} bytes, ${b.length - start} remain`, offset: p + base });
      break;
    }
    const data = b.subarray(start, end);
    const ev: { type: number; typeName: string; length: number; name?: string; values?: PlainValue[] } = {
      type,
      typeName: SO_EVENTS[type] ?? `Unknown (${type})`,
      length,
    };
    if (type === 3 || type === 4 || type === 9 || type === 10) {
      // Property events: a name, then (for changes) its value.
      const er = createAmfReader(data);
      const pname = readAmf0Utf8(er);
      if (pname !== undefined) ev.name = pname;
      const vals: PlainValue[] = [];
      while (er.remaining > 0 && er.error === undefined) {
        const v = decodeAmf0Value(er);
        if (v === undefined) break;
        vals.push(toPlain(v));
      }
      if (vals.length > 0) ev.values = vals;
      if (er.error !== undefined) problems.push(amfProblem(er.error, start + base));
    } else if (type === 6 || type === 7) {
      const dr = decodeAmf0Values(data);
      ev.values = dr.values.map(toPlain);
      if (dr.error !== undefined) problems.push(amfProblem(dr.error, start + base));
    }
    events.push(ev);
    p = end;
  }
  return { typeName, sharedObject: { name, version, persistent, events }, problems };
}

/** Aggregate: FLV tags back to back; sub-tag timestamps rebased onto the message's timestamp. */
function decodeAggregate(typeName: string, b: Uint8Array, timestamp: number, truncated: boolean): DecodedBody {
  const problems: Problem[] = [];
  const tags: AggregateTag[] = [];
  let p = 0;
  let count = 0;
  let first: number | undefined;
  while (p < b.length) {
    if (p + 11 > b.length) {
      if (!truncated) problems.push({ code: 'rtmp.aggregate.truncated', message: 'aggregate ends inside a tag header', offset: p });
      break;
    }
    const typeId = (b[p] as number) & 0x1f;
    const length = u24(b, p + 1);
    const ts = (((b[p + 7] as number) << 24) | u24(b, p + 4)) >>> 0;
    const streamId = u24(b, p + 8);
    const dataStart = p + 11;
    if (dataStart + length > b.length) {
      if (truncated) break; // the kept prefix ends here; the message itself is whole
      problems.push({ code: 'rtmp.aggregate.truncated', message: `aggregate sub-tag claims ${length} bytes, ${b.length - dataStart} remain`, offset: p });
      break;
    }
    first ??= ts;
    count++;
    if (tags.length < MAX_AGGREGATE_TAGS) {
      const data = b.subarray(dataStart, dataStart + length);
      const tagTs = (timestamp + (ts - first)) >>> 0;
      const media = typeId === 8 || typeId === 9 ? decodeMedia(typeId, data, tagTs) : undefined;
      tags.push({ typeId, length, timestamp: tagTs, streamId, ...(media === undefined ? {} : { media }) });
    }
    p = dataStart + length + 4; // PreviousTagSize
    if (p > b.length && !truncated) {
      problems.push({ code: 'rtmp.aggregate.truncated', message: 'aggregate ends inside a PreviousTagSize field', offset: dataStart + length });
      break;
    }
  }
  return { typeName, aggregate: { tags, count }, problems };
}
