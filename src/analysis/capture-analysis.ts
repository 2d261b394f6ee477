/**
 * Checks across the sessions of one capture: the same application and stream name published twice
 * at the same time on one server, both accepted (nginx-rtmp #96: a second publish answered
 * NetStream.Publish.Start instead of NetStream.Publish.BadName); and what a server relayed from a
 * publisher to a player of the same stream (relay.ts); how a client reacted to a Reconnect
 * Request (reconnect.ts).
 *
 * Contract: pure; fed every output record in order (the analyzer's or the proxy's), it keeps per
 * session only the connect app and the names it publishes, and forgets a session when its session
 * record (its end) goes by.
 */
import type { DiagnosticRecord, OutputRecord } from '../records/index.js';
import { atOf, diagnosticRecord } from './emit.js';
import { baseName, RelayAnalysis } from './relay.js';
import { ReconnectAnalysis } from './reconnect.js';

type Publisher = { readonly session: number; readonly key: string; readonly streamId: number };

export class CaptureAnalysis {
  private readonly apps = new Map<number, string>();
  /** session → stream id → publish name (as sent, before the server's answer). */
  private readonly requested = new Map<number, Map<number, string>>();
  /** server|app|name → the sessions publishing it now. */
  private readonly live = new Map<string, Publisher[]>();
  private readonly relay = new RelayAnalysis();
  private readonly reconnect = new ReconnectAnalysis();

  onRecord(r: OutputRecord): DiagnosticRecord[] {
    const reconnect = this.reconnect.onRecord(r);
    return reconnect.length === 0 ? this.onOther(r) : [...reconnect, ...this.onOther(r)];
  }

  private onOther(r: OutputRecord): DiagnosticRecord[] {
    if (r.type === 'stream') return this.relay.onStream(r);
    if (r.type === 'session') {
      this.relay.onSessionEnd(r.session);
      this.apps.delete(r.session);
      this.requested.delete(r.session);
      for (const [key, list] of this.live) {
        const rest = list.filter((p) => p.session !== r.session);
        if (rest.length === 0) this.live.delete(key);
        else this.live.set(key, rest);
      }
      return [];
    }
    if (r.type === 'message' && (r.typeId === 8 || r.typeId === 9) && r.dir === 's2c') this.relay.onPlayerMedia(r);
    if (r.type !== 'message' || (r.typeId !== 20 && r.typeId !== 17)) return [];
    const cmd = r.command ?? {};
    if (r.dir === 'c2s') {
      if (r.name === 'connect') {
        if (typeof cmd.app === 'string') this.apps.set(r.session, cmd.app);
        this.relay.onConnect(r.session, cmd.fourCcList);
      } else if (r.name === 'publish' && typeof cmd.streamName === 'string') {
        let m = this.requested.get(r.session);
        if (m === undefined) {
          m = new Map();
          this.requested.set(r.session, m);
        }
        if (m.size < 64 || m.has(r.streamId)) m.set(r.streamId, cmd.streamName);
      } else if (r.name === 'deleteStream' || r.name === 'closeStream' || r.name === 'FCUnpublish') {
        const sid = r.name === 'deleteStream' ? cmd.streamId : r.name === 'closeStream' ? r.streamId : undefined;
        this.release(r.session, sid, r.name === 'FCUnpublish' ? cmd.streamName : undefined);
      }
      return [];
    }
    if (r.name !== 'onStatus') return [];
    const code = cmd.status?.code;
    if (code === 'NetStream.Unpublish.Success') {
      this.release(r.session, r.streamId, undefined);
      return [];
    }
    if (code !== 'NetStream.Publish.Start') return [];
    const name = this.requested.get(r.session)?.get(r.streamId);
    if (name === undefined) return [];
    const app = this.apps.get(r.session) ?? '';
    const key = `${r.server}|${app}|${baseName(name)}`;
    const list = this.live.get(key) ?? [];
    if (list.some((p) => p.session === r.session && p.streamId === r.streamId)) return [];
    const others = list.filter((p) => p.session !== r.session);
    list.push({ session: r.session, key, streamId: r.streamId });
    this.live.set(key, list);
    const other = others[0];
    if (other === undefined) return [];
    return [
      diagnosticRecord(r, 'session.publish.duplicate', `"${app}/${baseName(name)}" is already published by session ${other.session}, yet the server answered NetStream.Publish.Start instead of NetStream.Publish.BadName`, atOf(r), {
        otherSession: other.session,
        app,
        name: baseName(name),
      }),
    ];
  }

  /** At the end of a capture: Reconnect Requests nobody answered. */
  finish(): DiagnosticRecord[] {
    this.apps.clear();
    this.requested.clear();
    this.live.clear();
    this.relay.finish();
    return this.reconnect.finish();
  }

  private release(session: number, streamId: number | undefined, name: string | undefined): void {
    for (const [key, list] of this.live) {
      const rest = list.filter((p) => !(p.session === session && (streamId === undefined ? name !== undefined && key.endsWith(`|${baseName(name)}`) : p.streamId === streamId)));
      if (rest.length === 0) this.live.delete(key);
      else this.live.set(key, rest);
    }
  }
}
