/**
 * The NSS key log format (what SSLKEYLOGFILE makes browsers, curl, OpenSSL and GnuTLS write, and
 * what Wireshark reads): one `LABEL <client random hex> <secret hex>` per line, `#` comments.
 * Labels used here: CLIENT_RANDOM (TLS 1.2 master secret), CLIENT_HANDSHAKE_TRAFFIC_SECRET,
 * SERVER_HANDSHAKE_TRAFFIC_SECRET, CLIENT_TRAFFIC_SECRET_0, SERVER_TRAFFIC_SECRET_0 (TLS 1.3).
 * Lines this module does not know (other labels, other formats sharing `--keylog`) are ignored.
 * The files are the user's, not a peer's; still, lines and entries are capped.
 */
import { hexBytes } from '../core/hex.js';

export type TlsSecrets = {
  master?: Uint8Array;
  clientHandshake?: Uint8Array;
  serverHandshake?: Uint8Array;
  clientTraffic0?: Uint8Array;
  serverTraffic0?: Uint8Array;
};

const LABELS = {
  CLIENT_RANDOM: 'master',
  CLIENT_HANDSHAKE_TRAFFIC_SECRET: 'clientHandshake',
  SERVER_HANDSHAKE_TRAFFIC_SECRET: 'serverHandshake',
  CLIENT_TRAFFIC_SECRET_0: 'clientTraffic0',
  SERVER_TRAFFIC_SECRET_0: 'serverTraffic0',
} as const satisfies Record<string, keyof TlsSecrets>;

/** More client randoms than any capture we would decode holds. */
const MAX_ENTRIES = 1 << 20;
const HEX = /^[0-9a-fA-F]+$/;

function parseHex(s: string): Uint8Array {
  const b = new Uint8Array(s.length / 2);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return b;
}

export class TlsKeyLog {
  private readonly byRandom = new Map<string, TlsSecrets>();

  constructor(texts: readonly string[] = []) {
    for (const t of texts) this.add(t);
  }

  get size(): number {
    return this.byRandom.size;
  }

  add(text: string): void {
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (line.length === 0 || line.length > 600 || line.startsWith('#')) continue;
      const f = line.split(/\s+/);
      if (f.length !== 3) continue;
      const field = (LABELS as Record<string, keyof TlsSecrets | undefined>)[f[0]!];
      const random = f[1]!;
      const secret = f[2]!;
      if (field === undefined || random.length !== 64 || !HEX.test(random)) continue;
      if (secret.length % 2 !== 0 || secret.length < 32 || secret.length > 256 || !HEX.test(secret)) continue;
      if (field === 'master' && secret.length !== 96) continue;
      const key = random.toLowerCase();
      let e = this.byRandom.get(key);
      if (e === undefined) {
        if (this.byRandom.size >= MAX_ENTRIES) continue;
        this.byRandom.set(key, (e = {}));
      }
      e[field] = parseHex(secret);
    }
  }

  /** The secrets logged for a ClientHello's random, if any. */
  get(clientRandom: Uint8Array): TlsSecrets | undefined {
    return this.byRandom.get(hexBytes(clientRandom));
  }
}
