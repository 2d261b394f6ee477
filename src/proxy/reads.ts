/**
 * Reading a plain TCP socket into buffers the proxy hands out (Node's `onread` option) instead
 * of through the socket's readable stream: the forwarding path's cheapest way in.
 *
 * Why: a stream-mode socket reads at most 64 KiB per system call and passes every read through
 * the readable-stream machinery (push, buffer bookkeeping, 'data'). With `onread` each read lands
 * straight in a buffer given here and goes to one callback, and a socket that keeps filling its
 * buffer gets larger ones (up to MAX_READ), so a fast stream costs fewer reads. Measured with
 * bench-proxy's three processes: about half the forwarding process's user CPU per MB, and less
 * system time (fewer, larger reads and writes).
 *
 * Contract:
 * - Every chunk delivered is a view of its own bytes: a buffer region is handed to a read once
 *   and never again, so a chunk may be kept (queued for writing, for decoding, for the pcap) for
 *   as long as needed. Regions come from slabs shared by the reads of one socket; a slab is freed
 *   when its last chunk is.
 * - Memory: each socket holds one slab between reads: 2 × its current read size, which starts
 *   at MIN_READ, doubles (up to MAX_READ) while reads fill it and halves while they use less than
 *   a quarter of it. An idle or slow socket thus pins MIN_READ × 2 bytes, a busy one MAX_READ × 2.
 * - Chunks that arrive before the consumer is set (`deliver`) are kept and delivered to it first.
 * - Only for sockets that own a TCP handle: `adopt` leaves anything else (a TLS socket, a socket
 *   without a handle) to the stream path (null). Pausing and resuming work as on any socket;
 *   'end', 'error' and 'close' are emitted as usual.
 */
import net from 'node:net';

/** First and smallest read size. */
export const MIN_READ = 16 * 1024;
/** Largest read size (what one read callback carries at most). */
export const MAX_READ = 256 * 1024;
const EMPTY = Buffer.alloc(0);

/** The buffers one socket reads into, and where its chunks go. */
export class SocketReads {
  private slab: Buffer = EMPTY;
  private off = 0;
  private size = MIN_READ;
  private consumer: ((chunk: Buffer) => void) | null = null;
  private early: Buffer[] = [];

  /** For `net.Socket`'s `onread` option. */
  readonly onread = {
    buffer: (): Buffer => {
      if (this.slab.length - this.off < this.size) {
        this.slab = Buffer.allocUnsafeSlow(this.size * 2);
        this.off = 0;
      }
      return this.slab.subarray(this.off, this.off + this.size);
    },
    /** Returns true: the socket goes on reading (it is paused with `pause()`, as any socket). */
    callback: (n: number, buf: Uint8Array): boolean => {
      this.off += n;
      if (n === this.size) this.size = Math.min(this.size * 2, MAX_READ);
      else if (n < this.size >> 2) this.size = Math.max(this.size >> 1, MIN_READ);
      const chunk = buf as Buffer;
      const c = chunk.subarray(0, n);
      if (this.consumer !== null) this.consumer(c);
      else this.early.push(c);
      return true;
    },
  };

  /** Where chunks go from now on (those read before, first). */
  deliver(consumer: (chunk: Buffer) => void): void {
    this.consumer = consumer;
    const early = this.early;
    this.early = [];
    for (const c of early) consumer(c);
  }
}

/** Node's socket internals this module relies on: the native handle of a socket. */
type WithHandle = { _handle: { readonly useUserBuffer?: unknown; readonly fd?: number } | null };

/**
 * A socket accepted by a `net.Server` (created with `pauseOnConnect`), re-wrapped to read into
 * `reads`: the TCP handle moves to a new, paused socket and the old one is destroyed (without
 * closing the handle), so the server stops counting it. Null (and the socket left as it is) when
 * it has no plain TCP handle.
 */
export function adopt(sock: net.Socket, reads: SocketReads, allowHalfOpen: boolean): net.Socket | null {
  const s = sock as unknown as WithHandle;
  const handle = s._handle;
  if (handle === null || typeof handle.useUserBuffer !== 'function' || sock.constructor !== net.Socket) return null;
  s._handle = null;
  sock.destroy();
  // `handle` is how Node itself wraps a handle it already has (child_process, cluster).
  return new net.Socket({ handle, allowHalfOpen, readable: true, writable: true, pauseOnCreate: true, onread: reads.onread } as net.SocketConstructorOpts);
}
