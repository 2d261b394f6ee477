/**
 * Transactions of one session: every call with a transaction id > 0 is paired with the
 * _result/_error of the other direction (onFCPublish/onFCUnpublish answer FCPublish/FCUnpublish
 * by name); NetStream commands (publish, play, deleteStream, ...) are answered by onStatus instead
 * and are not paired. A call that reuses the id of a pending one waits behind it; replies pair in
 * order within an id. Unanswered connect/createStream are warnings; the FMLE calls servers
 * commonly ignore (releaseStream, FCPublish, ...) are one info line.
 *
 * After a loss (or a mid-session start) the calling direction resyncs, and its decoder emits the
 * calls it recovers later than the other direction's answers in later frames: such replies wait
 * as orphans, by the key of the call they answer, and are matched by capture time when it comes.
 *
 * Contract: pure and synchronous; bounded (pending calls, orphans, the listed calls are capped).
 */
import type { Direction } from '../core/diagnostics.js';
import type { MessageRecord, TransactionFacts } from '../records/index.js';
import type { CommandFields, StatusInfo } from '../rtmp/commands.js';
import { atOf, msBetween, opposite, round, type At, type Context, type SessionContext } from './emit.js';

export const SLOW_REPLY_MS = 3000;
const MAX_CALLS = 64;
const MAX_LATENCIES = 1024;
/** Outstanding calls kept per session; beyond it the oldest are dropped (hostile or broken peers). */
const MAX_PENDING = 1024;
/** Replies kept while waiting for the call they answer (see `orphanReplies`). */
const MAX_ORPHANS = 64;

/** Calls a client must get an answer to before it can go on. */
const REQUIRED_REPLY = new Set(['connect', 'createStream']);
/** FMLE-style calls servers often leave unanswered or answer with _error; clients do not wait. */
const OPTIONAL_CALLS = new Set(['releaseStream', 'FCPublish', 'FCUnpublish', 'FCSubscribe', 'FCUnsubscribe', 'getStreamLength', '_checkbw', 'onBWCheck']);
/**
 * Bandwidth probes: FMS/Akamai send onBWCheck repeatedly with one transaction id and clients answer
 * each (often with _error). Answered, they are neither an error of the session nor a reused id.
 */
const BANDWIDTH_PROBES = new Set(['onBWCheck', '_checkbw']);
/** NetStream commands: answered (if at all) by onStatus, not by _result/_error. */
const NETSTREAM_COMMANDS = new Set(['publish', 'play', 'play2', 'deleteStream', 'closeStream', 'receiveAudio', 'receiveVideo', 'seek', 'pause']);
export const REPLIES = new Set(['_result', '_error']);
/** Status-style answers to FMLE calls. */
const STATUS_ANSWERS: Readonly<Record<string, string>> = { onFCPublish: 'FCPublish', onFCUnpublish: 'FCUnpublish' };

export type Call = {
  readonly name: string;
  readonly transactionId: number;
  readonly dir: Direction;
  readonly at: At & { frame: number; time: number };
  reply: string | null;
  latencyMs: number | null;
};

/** A reply or status seen before the call it answers (the calling direction was resyncing). */
export type Orphan = { readonly name: string; readonly r: MessageRecord; readonly cmd: CommandFields };

function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : round(((s[mid - 1] as number) + (s[mid] as number)) / 2, 3);
}

export class Transactions {
  private readonly pending = new Map<string, Call>();
  /** Later calls that reused the id of a pending call, oldest first: replies pair in order within an id. */
  private readonly sameId = new Map<string, Call[]>();
  private sameIdCount = 0;
  private readonly orphanReplies = new Map<string, Orphan>();
  private readonly netStreamTx = new Set<string>();
  private readonly calls: Call[] = [];
  private callCount = 0;
  /** Outstanding calls dropped to keep `pending` bounded. */
  private droppedPending = 0;
  private answered = 0;
  private errors = 0;
  private readonly latencies: number[] = [];
  private maxLatency: number | null = null;

  constructor(private readonly ctx: SessionContext) {}

  /** onFCPublish/onFCUnpublish: answers the pending FCPublish/FCUnpublish of the other side (by name: it has no id). False for other names. */
  onStatusAnswer(r: MessageRecord, name: string): boolean {
    const answers = STATUS_ANSWERS[name];
    if (answers === undefined) return false;
    for (const call of this.pending.values()) {
      if (call.name === answers && call.dir === opposite(r.dir)) {
        this.answer(call, name, r);
        break;
      }
    }
    return true;
  }

  /** A command with transaction id `tx`: the call now waiting for its reply (null: not paired). */
  onCall(r: MessageRecord, name: string, tx: number | undefined): Call | null {
    if (tx === undefined || tx <= 0) return null;
    const key = `${r.dir}|${tx}`;
    if (NETSTREAM_COMMANDS.has(name)) {
      if (this.netStreamTx.size >= MAX_PENDING) this.netStreamTx.delete(this.netStreamTx.values().next().value as string);
      this.netStreamTx.add(key);
      return null;
    }
    const prev = this.pending.get(key);
    if (prev !== undefined && !BANDWIDTH_PROBES.has(name)) {
      this.ctx.emit('session.transaction.duplicate-id', `${name} reuses transaction id ${tx} while ${prev.name} (frame ${prev.at.frame}) still waits for its reply`, atOf(r), { transactionId: tx });
    }
    const call: Call = { name, transactionId: tx, dir: r.dir, at: { ...atOf(r), frame: r.frame, time: r.time }, reply: null, latencyMs: null };
    if (prev === undefined && this.pending.size >= MAX_PENDING) {
      const oldest = this.pending.keys().next().value as string;
      this.pending.delete(oldest);
      this.droppedPending++;
    }
    if (prev === undefined) this.pending.set(key, call);
    else this.queueSameId(key, call);
    this.callCount++;
    if (this.calls.length < MAX_CALLS) this.calls.push(call);
    return call;
  }

  /** A reply that came before `call` (its direction was resyncing), now that the call came. */
  takeOrphan(call: Call): Orphan | undefined {
    const key = `${call.dir}|${call.transactionId}`;
    const o = this.orphanReplies.get(key);
    if (o === undefined || o.r.time < call.at.time) return undefined;
    this.orphanReplies.delete(key);
    return o;
  }

  /**
   * A _result/_error with transaction id `tx`: the call it answers (null: none; an unmatched reply
   * is reported, or kept as an orphan when the call may still come). A failed call other than
   * connect is reported here; connect's reply is the caller's to judge.
   */
  onReply(r: MessageRecord, name: string, tx: number | undefined, cmd: CommandFields): Call | null {
    if (tx === undefined || tx <= 0) return null;
    const key = `${opposite(r.dir)}|${tx}`;
    const call = this.pending.get(key);
    if (call === undefined) {
      if (this.netStreamTx.has(key)) return null;
      if (!this.ctx.startSeen() || this.ctx.lossy(opposite(r.dir))) {
        // The call may not be in the capture, or may still come out of the resyncing direction.
        if (this.orphanReplies.size < MAX_ORPHANS) this.orphanReplies.set(key, { name, r, cmd });
        return null;
      }
      this.ctx.emit('session.transaction.unmatched-reply', `${name} for transaction ${tx}, which no outstanding call of the ${r.dir === 's2c' ? 'client' : 'server'} has`, atOf(r), { transactionId: tx });
      return null;
    }
    this.answer(call, name, r);
    if (call.name !== 'connect' && name === '_error') this.failed(r, call, cmd.status ?? null);
    return call;
  }

  /** A failed call or connect counted among the session's errors. */
  countError(): void {
    this.errors++;
  }

  private failed(r: MessageRecord, call: Call, status: StatusInfo | null): void {
    const description = status?.description ?? '';
    if (!BANDWIDTH_PROBES.has(call.name)) this.errors++;
    const what = `${call.name} (transaction ${call.transactionId}, frame ${call.at.frame}) failed: ${status?.code ?? '_error'}${description === '' ? '' : ` "${description}"`}`;
    const ctx: Context = { call: call.name, transactionId: call.transactionId, ...(status?.code === undefined ? {} : { statusCode: status.code }) };
    if (OPTIONAL_CALLS.has(call.name)) this.ctx.emit('session.transaction.error-ignored', what, atOf(r), ctx);
    else this.ctx.emit('session.transaction.error', what, atOf(r), ctx);
  }

  /** A call that reuses a pending call's id waits behind it (bounded like `pending`). */
  private queueSameId(key: string, call: Call): void {
    if (this.sameIdCount >= MAX_PENDING) {
      this.droppedPending++;
      return;
    }
    const q = this.sameId.get(key);
    if (q === undefined) this.sameId.set(key, [call]);
    else q.push(call);
    this.sameIdCount++;
  }

  private answer(call: Call, replyName: string, r: MessageRecord): void {
    const key = `${call.dir}|${call.transactionId}`;
    this.pending.delete(key);
    const q = this.sameId.get(key);
    const next = q?.shift();
    if (next !== undefined) {
      this.sameIdCount--;
      this.pending.set(key, next);
      if (q!.length === 0) this.sameId.delete(key);
    }
    call.reply = replyName;
    call.latencyMs = msBetween(call.at.time, r.time);
    this.answered++;
    if (this.latencies.length < MAX_LATENCIES) this.latencies.push(call.latencyMs);
    this.maxLatency = Math.max(this.maxLatency ?? 0, call.latencyMs);
    if (call.latencyMs > SLOW_REPLY_MS) {
      this.ctx.emit('session.transaction.slow-reply', `${call.name} was answered after ${round(call.latencyMs / 1000, 3)} s`, atOf(r), { call: call.name, latencyMs: call.latencyMs });
    }
  }

  /** At session end: the calls still waiting (unless the capture lost bytes of the answering direction). */
  finish(): void {
    const optional: Call[] = [];
    for (const call of [...this.pending.values(), ...[...this.sameId.values()].flat()]) {
      // The capture lost bytes of the answering direction: the reply may be among them.
      if (this.ctx.lossy(opposite(call.dir))) continue;
      if (REQUIRED_REPLY.has(call.name)) {
        this.ctx.emit('session.transaction.unanswered', `${call.name} (transaction ${call.transactionId}) got no _result or _error`, call.at, { call: call.name, transactionId: call.transactionId });
      } else {
        optional.push(call);
      }
    }
    const first = optional[0];
    if (first !== undefined) {
      const names = optional.map((c) => `${c.name} (${c.transactionId})`).join(', ');
      this.ctx.emit('session.transaction.unanswered-optional', `no reply to ${names}`, first.at, { calls: optional.length });
    }
  }

  facts(): TransactionFacts {
    return {
      count: this.callCount,
      answered: this.answered,
      unanswered: this.pending.size + this.sameIdCount + this.droppedPending,
      errors: this.errors,
      medianLatencyMs: median(this.latencies),
      maxLatencyMs: this.maxLatency,
      calls: this.calls.map((k) => ({ name: k.name, transactionId: k.transactionId, dir: k.dir, frame: k.at.frame, reply: k.reply, latencyMs: k.latencyMs })),
    };
  }
}
