/**
 * Typed fields of the commands and data messages peers actually send (RTMP 1.0 §7.2, FMLE/FFmpeg/
 * OBS extras, Enhanced RTMP v2 connect fields). Pure: decoded AMF values in, a JSON-friendly
 * summary out. Unknown commands get no typed fields; their AMF arguments are still exported.
 */
import { asBoolean, asNumber, asString, getProp, propNumber, propString, toPlain, type AmfValue, type PlainValue } from '../amf/index.js';

export type StatusInfo = { readonly level?: string; readonly code?: string; readonly description?: string };

export type CommandFields = {
  /** connect */
  readonly app?: string;
  readonly tcUrl?: string;
  readonly flashVer?: string;
  readonly swfUrl?: string;
  readonly pageUrl?: string;
  readonly objectEncoding?: number;
  readonly fourCcList?: PlainValue;
  readonly videoFourCcInfoMap?: PlainValue;
  readonly audioFourCcInfoMap?: PlainValue;
  readonly capsEx?: number;
  readonly capsExNames?: readonly string[];
  /** publish, play, play2, releaseStream, FCPublish, FCUnpublish, FCSubscribe */
  readonly streamName?: string;
  /** publish */
  readonly publishType?: string;
  /** play */
  readonly start?: number;
  readonly duration?: number;
  readonly reset?: boolean;
  /** deleteStream / closeStream / _result of createStream */
  readonly streamId?: number;
  /** receiveAudio / receiveVideo / pause */
  readonly flag?: boolean;
  /** seek / pause */
  readonly milliseconds?: number;
  /** _result / _error / onStatus / onFCPublish */
  readonly status?: StatusInfo;
  /** @setDataFrame / onMetaData */
  readonly dataName?: string;
  readonly metadata?: PlainValue;
};

export const CAPS_EX: Readonly<Record<number, string>> = { 1: 'Reconnect', 2: 'Multitrack', 4: 'ModEx', 8: 'TimestampNanoOffset' };

function statusOf(v: AmfValue | undefined): StatusInfo | undefined {
  if (v === undefined || (v.type !== 'object' && v.type !== 'ecma-array')) return undefined;
  const level = propString(v, 'level');
  const code = propString(v, 'code');
  const description = propString(v, 'description');
  if (level === undefined && code === undefined && description === undefined) return undefined;
  return {
    ...(level === undefined ? {} : { level }),
    ...(code === undefined ? {} : { code }),
    ...(description === undefined ? {} : { description }),
  };
}

/**
 * Drop absent fields, and numbers JSON cannot carry (NaN, ±Infinity from a peer's AMF would be
 * written as null): a field the peer sent as a non-finite number is left out, as if absent.
 */
function defined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) {
    const v = o[k];
    if (v === undefined || (typeof v === 'number' && !Number.isFinite(v))) delete o[k];
  }
  return o;
}

function plainProp(v: AmfValue | undefined, key: string): PlainValue | undefined {
  const p = getProp(v, key);
  return p === undefined ? undefined : toPlain(p);
}

/**
 * `values` are the command's AMF values: name, transaction id, command object, then arguments.
 */
export function commandFields(name: string, values: readonly AmfValue[]): CommandFields {
  const obj = values[2];
  const a = (i: number) => values[3 + i];
  switch (name) {
    case 'connect': {
      const capsEx = propNumber(obj, 'capsEx');
      return defined({
        app: propString(obj, 'app'),
        tcUrl: propString(obj, 'tcUrl'),
        flashVer: propString(obj, 'flashVer') ?? propString(obj, 'flashver'),
        swfUrl: propString(obj, 'swfUrl'),
        pageUrl: propString(obj, 'pageUrl'),
        objectEncoding: propNumber(obj, 'objectEncoding'),
        fourCcList: plainProp(obj, 'fourCcList'),
        videoFourCcInfoMap: plainProp(obj, 'videoFourCcInfoMap'),
        audioFourCcInfoMap: plainProp(obj, 'audioFourCcInfoMap'),
        capsEx,
        capsExNames:
          capsEx === undefined
            ? undefined
            : Object.entries(CAPS_EX)
                .filter(([bit]) => (capsEx & Number(bit)) !== 0)
                .map(([, n]) => n),
      });
    }
    case 'publish':
      return defined({ streamName: asString(a(0)), publishType: asString(a(1)) });
    case 'play':
      return defined({ streamName: asString(a(0)), start: asNumber(a(1)), duration: asNumber(a(2)), reset: asBoolean(a(3)) });
    case 'play2':
      return defined({ streamName: propString(a(0), 'streamName'), start: propNumber(a(0), 'start'), duration: propNumber(a(0), 'len') });
    case 'releaseStream':
    case 'FCPublish':
    case 'FCUnpublish':
    case 'FCSubscribe':
    case 'FCUnsubscribe':
      return defined({ streamName: asString(a(0)) });
    case 'deleteStream':
    case 'closeStream':
      return defined({ streamId: asNumber(a(0)) });
    case 'receiveAudio':
    case 'receiveVideo':
      return defined({ flag: asBoolean(a(0)) });
    case 'seek':
      return defined({ milliseconds: asNumber(a(0)) });
    case 'pause':
      return defined({ flag: asBoolean(a(0)), milliseconds: asNumber(a(1)) });
    case '_result':
    case '_error': {
      const info = a(0);
      const status = statusOf(info);
      return defined({ status, streamId: info !== undefined && info.type !== 'object' ? asNumber(info) : undefined });
    }
    case 'onStatus':
    case 'onFCPublish':
    case 'onFCUnpublish':
      return defined({ status: statusOf(a(0)) ?? statusOf(obj) });
    default:
      return {};
  }
}

/** Data messages (types 15/18): `values` start with the handler name. */
export function dataFields(name: string, values: readonly AmfValue[]): CommandFields {
  if (name === '@setDataFrame') {
    const inner = asString(values[1]);
    const md = values[2];
    return defined({ dataName: inner, metadata: md === undefined ? undefined : toPlain(md) });
  }
  if (name === 'onMetaData') {
    const md = values[1];
    return defined({ metadata: md === undefined ? undefined : toPlain(md) });
  }
  return {};
}
