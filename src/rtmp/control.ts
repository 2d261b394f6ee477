/**
 * Protocol control messages (RTMP 1.0 §5.4: types 1, 2, 3, 5, 6) and User Control messages
 * (§6.2 / §7.1.7: type 4). Pure decoders: a body in, a JSON-friendly description out, with a
 * problem code when the body is shorter or longer than the message type defines.
 */
import { u16, u32 } from '../core/byte-reader.js';

export const MESSAGE_TYPES: Readonly<Record<number, string>> = {
  1: 'Set Chunk Size',
  2: 'Abort Message',
  3: 'Acknowledgement',
  4: 'User Control Message',
  5: 'Window Acknowledgement Size',
  6: 'Set Peer Bandwidth',
  8: 'Audio Data',
  9: 'Video Data',
  15: 'AMF3 Data',
  16: 'AMF3 Shared Object',
  17: 'AMF3 Command',
  18: 'AMF0 Data',
  19: 'AMF0 Shared Object',
  20: 'AMF0 Command',
  22: 'Aggregate',
};

export function messageTypeName(typeId: number): string {
  return MESSAGE_TYPES[typeId] ?? `Unknown (${typeId})`;
}

export const USER_CONTROL_EVENTS: Readonly<Record<number, string>> = {
  0: 'StreamBegin',
  1: 'StreamEOF',
  2: 'StreamDry',
  3: 'SetBufferLength',
  4: 'StreamIsRecorded',
  6: 'PingRequest',
  7: 'PingResponse',
  26: 'SWFVerifyRequest',
  27: 'SWFVerifyResponse',
  31: 'BufferEmpty',
  32: 'BufferReady',
};

export const PEER_BANDWIDTH_LIMITS: Readonly<Record<number, string>> = { 0: 'hard', 1: 'soft', 2: 'dynamic' };

export type ControlBody =
  | { readonly kind: 'set-chunk-size'; readonly chunkSize: number }
  | { readonly kind: 'abort'; readonly csid: number }
  | { readonly kind: 'acknowledgement'; readonly sequenceNumber: number }
  | { readonly kind: 'window-ack-size'; readonly windowSize: number }
  | { readonly kind: 'set-peer-bandwidth'; readonly windowSize: number; readonly limitType: number; readonly limitTypeName: string }
  | {
      readonly kind: 'user-control';
      readonly event: number;
      readonly eventName: string;
      readonly streamId?: number;
      readonly bufferLength?: number;
      readonly timestamp?: number;
      /** SWFVerify response: the 42-byte verification data, as hex. */
      readonly dataHex?: string;
    };

export type ControlResult = { readonly control: ControlBody | null; readonly problem?: 'short' | 'long' };

function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += (x < 16 ? '0' : '') + x.toString(16);
  return s;
}

/** Decode a control message body (types 1–6). */
export function decodeControl(typeId: number, b: Uint8Array): ControlResult {
  const need = typeId === 6 ? 5 : typeId === 4 ? 2 : 4;
  if (b.length < need) return { control: null, problem: 'short' };
  switch (typeId) {
    case 1:
      return fixed(b, 4, { kind: 'set-chunk-size', chunkSize: u32(b, 0) & 0x7fffffff });
    case 2:
      return fixed(b, 4, { kind: 'abort', csid: u32(b, 0) });
    case 3:
      return fixed(b, 4, { kind: 'acknowledgement', sequenceNumber: u32(b, 0) });
    case 5:
      return fixed(b, 4, { kind: 'window-ack-size', windowSize: u32(b, 0) });
    case 6: {
      const limitType = b[4] as number;
      return fixed(b, 5, {
        kind: 'set-peer-bandwidth',
        windowSize: u32(b, 0),
        limitType,
        limitTypeName: PEER_BANDWIDTH_LIMITS[limitType] ?? `unknown (${limitType})`,
      });
    }
    case 4:
      return decodeUserControl(b);
    default:
      return { control: null };
  }
}

function fixed(b: Uint8Array, size: number, control: ControlBody): ControlResult {
  return b.length > size ? { control, problem: 'long' } : { control };
}

function decodeUserControl(b: Uint8Array): ControlResult {
  const event = u16(b, 0);
  const eventName = USER_CONTROL_EVENTS[event] ?? `Unknown (${event})`;
  const base = { kind: 'user-control' as const, event, eventName };
  switch (event) {
    case 0:
    case 1:
    case 2:
    case 4:
    case 31:
    case 32:
      if (b.length < 6) return { control: base, problem: 'short' };
      return fixed(b, 6, { ...base, streamId: u32(b, 2) });
    case 3:
      if (b.length < 10) return { control: base, problem: 'short' };
      return fixed(b, 10, { ...base, streamId: u32(b, 2), bufferLength: u32(b, 6) });
    case 6:
    case 7:
      if (b.length < 6) return { control: base, problem: 'short' };
      return fixed(b, 6, { ...base, timestamp: u32(b, 2) });
    case 26:
      return { control: base };
    case 27:
      return { control: { ...base, dataHex: hex(b.subarray(2, 2 + 42)) }, ...(b.length < 44 ? { problem: 'short' as const } : {}) };
    default:
      return { control: { ...base, dataHex: hex(b.subarray(2, 2 + 64)) } };
  }
}
