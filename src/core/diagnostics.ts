/**
 * The diagnostics catalogue: every stable code rtmpscope can emit, with its severity and a
 * plain-language explanation. Codes are dotted, lower-case, and never renamed once released;
 * tests assert codes, never message text. Stages create diagnostics only through `diag()` so an
 * unknown code is a compile error.
 */

export type Severity = 'error' | 'warn' | 'info';

export const CATALOGUE = {
  // capture layer
  'capture.truncated': { severity: 'warn', explain: 'The capture file ends in the middle of a record (the capturing tool was probably killed); the partial record was ignored.' },
  'capture.record-too-large': { severity: 'error', explain: 'A record claims a length larger than the reader accepts; the capture is damaged past this point.' },
  'capture.pcapng.bad-block': { severity: 'error', explain: 'A pcapng block has an impossible length or a mismatched trailing length; the rest of the file cannot be framed.' },
  'capture.pcapng.unknown-interface': { severity: 'warn', explain: 'A pcapng packet refers to an interface that no Interface Description Block declared; the packet was skipped.' },
  'capture.pcapng.no-section': { severity: 'error', explain: 'A pcapng block appeared before any Section Header Block.' },
  'capture.pcapng.bad-packet': { severity: 'warn', explain: 'A pcapng packet block is internally inconsistent (too short, or its captured length overruns the block); the packet was skipped and decoding continued with the next block.' },
  'capture.unsupported-link': { severity: 'info', explain: 'Packets with a link-layer type rtmpscope does not decode were counted and skipped.' },
  // net layer
  'net.truncated': { severity: 'warn', explain: 'A packet was cut short by the capture snap length; the missing TCP bytes are treated as lost.' },
  'net.malformed': { severity: 'warn', explain: 'A link, IP or TCP header was inconsistent (bad lengths or version); the packet was skipped.' },
  'net.ip-fragment': { severity: 'info', explain: 'IP fragments were seen; rtmpscope does not reassemble IP fragments, so bytes they carried count as lost.' },
  // tcp layer
  'tcp.gap': { severity: 'warn', explain: 'Bytes of this TCP direction were never captured (packet loss at the capture point, or the capture started mid-stream); decoding cannot glue across the hole.' },
  'tcp.overlap-conflict': { severity: 'warn', explain: 'A retransmitted TCP segment carried different bytes for a range already seen; the first copy was kept.' },
  'tcp.buffer-cap': { severity: 'warn', explain: 'Too many out-of-order bytes were waiting for a missing segment; the hole was declared lost to keep memory bounded.' },
  'tcp.start-unseen': { severity: 'info', explain: 'The connection started before the capture did (no SYN seen); the client side was inferred.' },
  'tcp.client-guessed': { severity: 'info', explain: 'No SYN was seen, so which side is the client was inferred from the RTMP handshake or the port.' },
  'tcp.data-after-close': { severity: 'info', explain: 'Data arrived after a FIN or RST in the same direction and was ignored.' },
  'tcp.reset': { severity: 'info', explain: 'The connection was reset (RST).' },
  // rtmp handshake
  'rtmp.handshake.bad-version': { severity: 'error', explain: 'C0/S0 is not an RTMP version byte (3 for RTMP; 6, 8, 9, 10 for RTMPE). The peer is not speaking RTMP, or the stream is corrupt.' },
  // rtmp chunk layer
  'rtmp.chunk.no-previous-header': { severity: 'error', explain: 'A chunk used a compressed header (type 1, 2 or 3) on a chunk stream that never had a full header; its fields cannot be known. Decoding of this direction stops until it can resynchronise.' },
  'rtmp.chunk.interrupted': { severity: 'error', explain: 'A new message header arrived on a chunk stream whose previous message was not complete; the partial message was dropped. Peers must finish a message (type-3 chunks) before starting another on the same chunk stream.' },
  'rtmp.chunk.size-top-bit': { severity: 'warn', explain: 'Set Chunk Size had its most significant bit set; RTMP 1.0 requires it to be 0. The lower 31 bits were used.' },
  'rtmp.chunk.size-out-of-range': { severity: 'error', explain: 'Set Chunk Size carried a value outside 1..2147483647; it was ignored.' },
  'rtmp.message.incomplete': { severity: 'info', explain: 'The capture or connection ended in the middle of a message.' },
  // rtmp handshake checks (need both directions)
  'rtmp.handshake.s2-invalid': { severity: 'warn', explain: 'S2 neither echoes C1 (simple handshake) nor carries a valid digest over the client\'s C1 digest (complex handshake). Strict clients (Flash Player) drop such a server.' },
  'rtmp.handshake.c2-invalid': { severity: 'warn', explain: 'C2 neither echoes S1 (simple handshake) nor carries a valid digest over the server\'s S1 digest. Strict servers close the connection here.' },
  'rtmp.handshake.digest-unverified': { severity: 'info', explain: 'C1/S1 has a non-zero version field, which announces the digest ("complex") handshake, but no digest verifies under either offset scheme with the well-known keys.' },
  'rtmp.handshake.encrypted': { severity: 'info', explain: 'The peers negotiated RTMPE (encrypted RTMP); nothing after the handshake can be decoded passively.' },
  // rtmp messages
  'rtmp.control.short': { severity: 'error', explain: 'A protocol control or user control message is shorter than its type requires; it cannot be applied.' },
  'rtmp.control.long': { severity: 'warn', explain: 'A protocol control message is longer than its type defines; the extra bytes were ignored.' },
  'rtmp.message.unknown-type': { severity: 'warn', explain: 'A message type id RTMP does not define; the message is kept with its raw bytes.' },
  'rtmp.message.body-capped': { severity: 'info', explain: 'A command or data message was longer than rtmpscope keeps in memory (1 MiB by default); it was decoded as far as the kept bytes go.' },
  'rtmp.amf3.format-byte': { severity: 'warn', explain: 'An AMF3 command/data/shared-object message (type 17/15/16) must start with a format byte 0 before its AMF0-encoded values; this one does not. Decoders that skip the byte blindly (HaishinKit #16, nginx-rtmp #313) misread such messages.' },
  'rtmp.command.no-name': { severity: 'error', explain: 'A command or data message does not start with a string (the command or handler name).' },
  'rtmp.shared-object.truncated': { severity: 'warn', explain: 'A shared object message ends inside its header or an event.' },
  'rtmp.aggregate.truncated': { severity: 'warn', explain: 'An aggregate message ends inside a sub-tag (its FLV tag sizes do not add up to the message length).' },
  // AMF (commands, data, shared objects)
  'amf.truncated': { severity: 'error', explain: 'The AMF data ends in the middle of a value.' },
  'amf.unknown-marker': { severity: 'error', explain: 'A type marker that AMF0/AMF3 does not define; the rest of the body cannot be framed.' },
  'amf.reserved-marker': { severity: 'error', explain: 'An AMF0 marker the spec reserves and nobody serialises (movieclip 0x04, recordset 0x0E); its length is unknown.' },
  'amf.unexpected-object-end': { severity: 'error', explain: 'An AMF0 object-end marker (0x09) where a value was expected.' },
  'amf.depth-cap': { severity: 'error', explain: 'Objects or arrays nested deeper than the decoder accepts.' },
  'amf.length-cap': { severity: 'error', explain: 'The body holds more values, or more string characters (counting AMF3 string references), than the decoder accepts for one message.' },
  'amf.bad-reference': { severity: 'error', explain: 'A reference to an AMF0 complex value, or an AMF3 string, object or trait table entry, that does not exist.' },
  'amf.externalizable': { severity: 'error', explain: 'An AMF3 externalizable object of a class whose private body format is unknown; decoding cannot continue past it.' },
} as const satisfies Record<string, { severity: Severity; explain: string }>;

export type DiagnosticCode = keyof typeof CATALOGUE;

/** Where something happened. Every field optional: each stage fills what it knows. */
export type Locator = {
  readonly frame?: number;
  readonly time?: number;
  readonly conn?: number;
  readonly dir?: Direction;
  readonly offset?: number;
};

export type Direction = 'c2s' | 's2c';

export type Diagnostic = {
  readonly kind: 'diagnostic';
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: string;
  readonly at: Locator;
  readonly context?: Readonly<Record<string, string | number | boolean>>;
};

export function diag(
  code: DiagnosticCode,
  message: string,
  at: Locator = {},
  context?: Readonly<Record<string, string | number | boolean>>,
): Diagnostic {
  const d: Diagnostic = { kind: 'diagnostic', code, severity: CATALOGUE[code].severity, message, at };
  return context === undefined ? d : { ...d, context };
}
