/**
 * Enhanced RTMP of one session: what the client's connect and the server's reply advertised
 * (fourCcList, FourCC info maps, capsEx) held against the E-RTMP media each direction sends
 * (negotiation.ts says what counts as declared), and the facts of it.
 *
 * Contract: pure and synchronous; the FourCCs kept per direction are capped at 16.
 */
import type { EnhancedRtmpFacts, MessageRecord } from '../records/index.js';
import type { CommandFields } from '../rtmp/commands.js';
import type { MediaInfo } from '../rtmp/messages.js';
import { atOf, perDir, type SessionContext } from './emit.js';
import { capabilitiesUsed, declaredBy, fourCcDeclared, prop } from './negotiation.js';

function asStringList(v: unknown): string[] | null {
  if (!Array.isArray(v)) return null;
  return v.filter((x): x is string => typeof x === 'string').slice(0, 64);
}

function asNumberMap(v: unknown): Record<string, number> | null {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
  const out: Record<string, number> = {};
  let n = 0;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (n++ >= 64 || k === '__proto__') break;
    if (typeof x === 'number') out[k] = x;
  }
  return out;
}

export class EnhancedRtmp {
  private serverEnhanced: EnhancedRtmpFacts['server'] = null;
  private readonly fourCcsSent = perDir<string[]>(() => []);

  constructor(private readonly ctx: SessionContext) {}

  /** connect's _result/_error: the server may state what it supports in either object of its reply. */
  onConnectReply(props: unknown, info: unknown): void {
    const list = asStringList(prop(props, 'fourCcList') ?? prop(info, 'fourCcList'));
    const caps = prop(props, 'capsEx') ?? prop(info, 'capsEx');
    const map = [prop(props, 'videoFourCcInfoMap'), prop(props, 'audioFourCcInfoMap'), prop(info, 'videoFourCcInfoMap'), prop(info, 'audioFourCcInfoMap')].some((m) => m !== undefined && m !== null);
    this.serverEnhanced = { fourCcList: list, capsEx: typeof caps === 'number' ? caps : null, fourCcInfoMap: map };
  }

  /** Enhanced RTMP media against what connect (and the server's reply) advertised (negotiation.ts). */
  onMedia(r: MessageRecord, media: MediaInfo, c: CommandFields | null): void {
    if (!media.ex) return;
    const d = r.dir;
    const kind = r.typeId === 9 ? 'video' : 'audio';
    // Capabilities: the receiving side is the player (s2c) or the server (c2s, from its _result).
    for (const cap of capabilitiesUsed(media)) {
      const caps = d === 's2c' ? (c === null ? undefined : (c.capsEx ?? null)) : this.serverEnhanced?.capsEx;
      if (caps === undefined || (d === 'c2s' && caps === null) || (caps !== null && (caps & cap.bit) !== 0)) continue;
      const who = d === 's2c' ? "the player's connect" : "the server's connect reply";
      this.ctx.once(`cap:${d}:${cap.name}`, 'stream.ertmp.capability-not-advertised', `${kind} uses E-RTMP ${cap.name}, but ${who} did not announce it in capsEx (${caps === null ? 'no capsEx' : `capsEx ${caps}`})`, atOf(r), { capability: cap.name });
    }
    const fourCcs = new Set<string>();
    if (media.multitrack !== undefined) for (const t of media.multitrack.tracks) fourCcs.add(t.fourCc);
    else if (media.fourCc !== undefined) fourCcs.add(media.fourCc);
    for (const f of fourCcs) {
      if (this.fourCcsSent[d].includes(f)) continue;
      if (this.fourCcsSent[d].length < 16) this.fourCcsSent[d].push(f);
      if (c === null) continue; // connect not in the capture
      const declared = declaredBy(c);
      const list = declared.fourCcList ?? [];
      const said = list.length === 0 ? ' (no fourCcList)' : ` (fourCcList: ${list.join(', ')})`;
      if (!fourCcDeclared(declared, f, kind, d === 'c2s' ? 'encode' : 'decode')) {
        if (d === 's2c') this.ctx.emit('stream.ertmp.not-advertised', `Enhanced RTMP ${kind} "${f}" sent to a player whose connect did not list it${said}`, atOf(r), { fourCc: f });
        else this.ctx.emit('stream.ertmp.publish-not-advertised', `Enhanced RTMP ${kind} "${f}" published; connect did not list it${said}`, atOf(r), { fourCc: f });
      }
      const s = this.serverEnhanced;
      if (d === 'c2s' && s !== null && s.fourCcList === null && s.capsEx === null && !s.fourCcInfoMap) {
        this.ctx.once('server-not-enhanced', 'stream.ertmp.server-not-enhanced', `Enhanced RTMP "${f}" published, but the server's connect reply did not advertise Enhanced RTMP support`, atOf(r), { fourCc: f });
      }
    }
  }

  /** `c`: the client's connect fields (null: connect not in the capture). */
  facts(c: CommandFields | null): EnhancedRtmpFacts {
    return {
      fourCcList: c === null ? null : asStringList(c.fourCcList),
      videoFourCcInfoMap: c === null ? null : asNumberMap(c.videoFourCcInfoMap),
      audioFourCcInfoMap: c === null ? null : asNumberMap(c.audioFourCcInfoMap),
      capsEx: c?.capsEx ?? null,
      capsExNames: c?.capsExNames ?? [],
      server: this.serverEnhanced,
      fourCcsSent: { c2s: this.fourCcsSent.c2s, s2c: this.fourCcsSent.s2c },
    };
  }
}
