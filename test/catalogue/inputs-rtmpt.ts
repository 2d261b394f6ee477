/** Catalogue inputs for the RTMPT codes: tunnels built by test/builders/rtmpt.ts. */
import type { DiagnosticCode } from '../../src/core/diagnostics.js';
import { analysePcap, type Analysed } from '../analysis/script.js';
import type { Turn } from '../builders/conversation.js';
import { ascii, connFrames, pcapOf, reply, request, rtmpBytes, tunnelReply, tunnelTurns } from '../builders/rtmpt.js';

type Input = { readonly name: string; readonly codes: readonly DiagnosticCode[]; readonly run: () => Analysed };

const tunnel = (turns: readonly Turn[]): Analysed => analysePcap(pcapOf(connFrames(turns, 50000)));
const open = (id: string): Turn[] => tunnelTurns(id, rtmpBytes(), 0, { close: false });

export const RTMPT_INPUTS: readonly Input[] = [
  {
    name: 'RTMPT: a malformed chunk size line in a request',
    codes: ['rtmpt.http.unframed'],
    run: () => tunnel([...open('u'), { from: 'c', data: ascii('POST /send/u/4 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n') }]),
  },
  {
    name: 'RTMPT: exchange #2 not captured',
    codes: ['rtmpt.sequence-missing'],
    run: () => {
      const turns = tunnelTurns('m');
      turns.splice(
        turns.findIndex((t) => t.from === 'c' && String.fromCharCode(...t.data.subarray(0, 20)).startsWith('POST /send/m/2 ')),
        2,
      );
      return tunnel(turns);
    },
  },
  {
    name: 'RTMPT: 404 to an idle poll',
    codes: ['rtmpt.reply-error'],
    run: () => tunnel([...open('e'), { from: 'c', data: request('/idle/e/4', Uint8Array.of(0)) }, { from: 's', data: reply(new Uint8Array(0), 404) }]),
  },
  {
    name: 'RTMPT: polls of 17 session ids on one connection',
    codes: ['rtmpt.tunnel-limit'],
    run: () =>
      tunnel(
        Array.from({ length: 17 }, (_, i): Turn[] => [
          { from: 'c', data: request(`/idle/id${i}/0`, Uint8Array.of(0)) },
          { from: 's', data: tunnelReply(1) },
        ]).flat(),
      ),
  },
];
