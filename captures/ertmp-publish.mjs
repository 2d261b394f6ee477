#!/usr/bin/env node
/**
 * A real FFmpeg 8.1 (libavformat 62) as an Enhanced RTMP peer, through node-av 6.1.1 (FFmpeg linked
 * into a Node addon; no ffmpeg CLI). Test tooling, not part of rtmpscope: installed outside the
 * project's dependencies by captures/make-captures.sh (`npm i node-av@6.1.1 --ignore-scripts` into
 * .cache/nodeav; NODE_AV_DIR overrides the folder).
 *
 *   node captures/ertmp-publish.mjs publish FORM URL [SECONDS] [WxH]
 *     encodes a synthetic picture and tone with FFmpeg's own encoders and muxes them with the flv
 *     muxer straight to URL (rtmp://...). FORM is one of FORMS below. Prints one JSON line: the
 *     packets written per stream (what a capture of the publish must decode).
 *   node captures/ertmp-publish.mjs play URL SECONDS [FOURCCS]
 *     opens URL as a player; with FOURCCS (e.g. "hvc1,av01,vp09,Opus,mp4a") connect carries
 *     fourCcList (rtmp_enhanced_codecs). Prints the packets read per stream as one JSON line.
 */
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// node-av uses Promise.withResolvers (Node 22); Node 20 lacks it.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new Promise((a, b) => {
      resolve = a;
      reject = b;
    });
    return { promise, resolve, reject };
  };
}

const here = fileURLToPath(new URL('.', import.meta.url));
const dir = process.env.NODE_AV_DIR ?? join(here, '..', '.cache', 'nodeav');
const av = await import(pathToFileURL(join(dir, 'node_modules', 'node-av', 'dist', 'lib', 'index.js')).href);
const k = await import(pathToFileURL(join(dir, 'node_modules', 'node-av', 'dist', 'constants', 'index.js')).href);
const { Codec, CodecContext, Dictionary, FormatContext, Frame, Packet } = av;
av.Log.setLevel(process.env.NODE_AV_LOG === undefined ? k.AV_LOG_ERROR : Number(process.env.NODE_AV_LOG));

/** Per form: the streams in muxer order (the flv muxer numbers tracks per media type in this order). */
const FORMS = {
  hevc: [{ v: 'libx265', color: true }, { a: 'aac' }],
  av1: [{ v: 'libsvtav1' }, { a: 'libopus', channels: 2 }],
  vp9: [{ v: 'libvpx-vp9' }, { a: 'libopus', channels: 6 }],
  'mt-audio': [{ v: 'libx264' }, { a: 'aac' }, { a: 'aac', channels: 1 }],
  'mt-video': [{ v: 'libx264' }, { v: 'libx265', color: true }, { a: 'aac' }],
  'audio-ex': [{ v: 'libx264' }, { a: 'flac' }, { a: 'ac3' }, { a: 'eac3' }],
};

const FPS = 25;
const RATE = 48000;

function fail(msg) {
  process.stderr.write(`ertmp-publish: ${msg}\n`);
  process.exit(2);
}

function check(ret, what) {
  if (typeof ret === 'number' && ret < 0) fail(`${what} failed (${ret})`);
  return ret;
}

function dict(entries) {
  const d = new Dictionary();
  for (const [key, value] of Object.entries(entries)) d.set(key, String(value));
  return d;
}

async function openEncoder(spec, w, h, globalHeader) {
  const name = spec.v ?? spec.a;
  const codec = Codec.findEncoderByName(name);
  if (codec === null) fail(`encoder ${name} is not in this build`);
  const c = new CodecContext();
  c.allocContext3(codec);
  const opts = {};
  if (spec.v !== undefined) {
    c.width = w;
    c.height = h;
    c.pixelFormat = k.AV_PIX_FMT_YUV420P;
    c.timeBase = { num: 1, den: FPS };
    c.framerate = { num: FPS, den: 1 };
    c.gopSize = FPS;
    c.maxBFrames = 0;
    c.bitRate = 100_000n;
    if (spec.color) {
      c.colorPrimaries = k.AVCOL_PRI_BT709;
      c.colorTrc = k.AVCOL_TRC_BT709;
      c.colorSpace = k.AVCOL_SPC_BT709;
    }
    if (name === 'libx264') Object.assign(opts, { preset: 'ultrafast', tune: 'zerolatency' });
    if (name === 'libx265') Object.assign(opts, { preset: 'ultrafast', 'x265-params': 'log-level=error:bframes=0' });
    if (name === 'libsvtav1') Object.assign(opts, { preset: '12' });
    if (name === 'libvpx-vp9') Object.assign(opts, { deadline: 'realtime', 'cpu-used': '8', 'lag-in-frames': '0' });
  } else {
    const channels = spec.channels ?? 2;
    c.sampleRate = RATE;
    c.sampleFormat = codec.sampleFormats?.[0] ?? k.AV_SAMPLE_FMT_FLTP;
    c.channelLayout = { order: 1, nbChannels: channels, mask: BigInt(channels === 1 ? 0x4 : channels === 2 ? 0x3 : 0x60f) };
    c.timeBase = { num: 1, den: RATE };
    c.bitRate = name === 'flac' ? 0n : 32_000n * BigInt(Math.min(channels, 2));
  }
  if (globalHeader) c.setFlags(k.AV_CODEC_FLAG_GLOBAL_HEADER);
  check(await c.open2(codec, dict(opts)), `open ${name}`);
  return { spec, name, c, video: spec.v !== undefined, next: 0n, written: 0 };
}

/** A moving picture: luma ramps shifted by the frame number, flat chroma. */
function videoFrame(e, n, w, h) {
  const y = Buffer.alloc(w * h);
  for (let row = 0; row < h; row++) for (let col = 0; col < w; col++) y[row * w + col] = (col + row + n * 4) & 0xff;
  const uv = Buffer.alloc((w / 2) * (h / 2) * 2, 128);
  const f = Frame.fromVideoBuffer(Buffer.concat([y, uv]), { width: w, height: h, format: k.AV_PIX_FMT_YUV420P, timeBase: { num: 1, den: FPS } });
  f.pts = BigInt(n);
  return f;
}

function audioFrame(e, start) {
  const c = e.c;
  const n = c.frameSize > 0 ? c.frameSize : 1024;
  const channels = c.channelLayout.nbChannels;
  const fmt = c.sampleFormat;
  const planar = fmt === k.AV_SAMPLE_FMT_FLTP || fmt === k.AV_SAMPLE_FMT_S16P || fmt === k.AV_SAMPLE_FMT_S32P;
  const isFloat = fmt === k.AV_SAMPLE_FMT_FLTP || fmt === k.AV_SAMPLE_FMT_FLT;
  const bytes = isFloat || fmt === k.AV_SAMPLE_FMT_S32 || fmt === k.AV_SAMPLE_FMT_S32P ? 4 : 2;
  const buf = Buffer.alloc(n * channels * bytes);
  for (let i = 0; i < n; i++) {
    const v = 0.02 * Math.sin((2 * Math.PI * 440 * (Number(start) + i)) / RATE);
    for (let ch = 0; ch < channels; ch++) {
      const off = planar ? (ch * n + i) * bytes : (i * channels + ch) * bytes;
      if (isFloat) buf.writeFloatLE(v, off);
      else if (bytes === 4) buf.writeInt32LE(Math.round(v * 2 ** 31), off);
      else buf.writeInt16LE(Math.round(v * 32767), off);
    }
  }
  const f = Frame.fromAudioBuffer(buf, { nbSamples: n, format: fmt, sampleRate: RATE, channelLayout: c.channelLayout, timeBase: { num: 1, den: RATE } });
  f.pts = start;
  return { f, n: BigInt(n) };
}

async function drain(oc, e, index, stream) {
  const pkt = new Packet();
  pkt.alloc();
  for (;;) {
    const ret = await e.c.receivePacket(pkt);
    if (ret < 0) break;
    pkt.streamIndex = index;
    pkt.rescaleTs(e.c.timeBase, stream.timeBase);
    e.written++;
    check(await oc.interleavedWriteFrame(pkt), 'write packet');
  }
  pkt.free();
}

async function publish(form, url, seconds, size) {
  const specs = FORMS[form];
  if (specs === undefined) fail(`unknown form ${form} (one of ${Object.keys(FORMS).join(', ')})`);
  const [w, h] = size.split('x').map(Number);
  const oc = new FormatContext();
  check(oc.allocOutputContext2(null, 'flv', url), 'flv output');
  const encoders = [];
  const streams = [];
  for (const spec of specs) {
    const e = await openEncoder(spec, w, h, true);
    const st = oc.newStream(null);
    check(st.codecpar.fromContext(e.c), 'codec parameters');
    st.timeBase = e.c.timeBase;
    encoders.push(e);
    streams.push(st);
  }
  check(await oc.openOutput(), `open ${url}`);
  check(await oc.writeHeader(null), 'write header');
  const end = BigInt(seconds);
  for (;;) {
    // Feed the encoder whose next frame is earliest, so the muxer interleaves as ffmpeg does.
    let best = -1;
    let bestT = Infinity;
    for (let i = 0; i < encoders.length; i++) {
      const e = encoders[i];
      const t = e.video ? Number(e.next) / FPS : Number(e.next) / RATE;
      if (e.next >= 0n && t < bestT) {
        best = i;
        bestT = t;
      }
    }
    if (best < 0) break;
    const e = encoders[best];
    const done = e.video ? e.next >= end * BigInt(FPS) : e.next >= end * BigInt(RATE);
    if (done) {
      check(await e.c.sendFrame(null), 'flush');
      await drain(oc, e, best, streams[best]);
      e.next = -1n;
      continue;
    }
    if (e.video) {
      const f = videoFrame(e, Number(e.next), w, h);
      check(await e.c.sendFrame(f), `encode ${e.name}`);
      f.free();
      e.next += 1n;
    } else {
      const { f, n } = audioFrame(e, e.next);
      check(await e.c.sendFrame(f), `encode ${e.name}`);
      f.free();
      e.next += n;
    }
    await drain(oc, e, best, streams[best]);
    // Real time, roughly: a live publisher, not a file upload.
    if (best === 0 && e.video) await new Promise((r) => setTimeout(r, 1000 / FPS / 2));
  }
  check(await oc.writeTrailer(), 'write trailer');
  // Let the socket drain: closing it with the server's unread replies queued resets the
  // connection, and Linux then discards what is still in the send buffer.
  await new Promise((r) => setTimeout(r, 500));
  await oc.closeOutput();
  process.stdout.write(`${JSON.stringify({ form, url, streams: encoders.map((e) => ({ encoder: e.name, media: e.video ? 'video' : 'audio', packets: e.written })) })}\n`);
}

async function play(url, seconds, fourCcs) {
  const ic = new FormatContext();
  const opts = { rw_timeout: '4000000' };
  if (fourCcs) opts.rtmp_enhanced_codecs = fourCcs;
  check(await ic.openInput(url, null, dict(opts)), `open ${url}`);
  const counts = new Map();
  const pkt = new Packet();
  pkt.alloc();
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    const ret = await ic.readFrame(pkt);
    if (ret < 0) break;
    counts.set(pkt.streamIndex, (counts.get(pkt.streamIndex) ?? 0) + 1);
    pkt.unref();
  }
  pkt.free();
  const streams = ic.streams.map((s, i) => ({ index: i, codec: av.avGetCodecName?.(s.codecpar.codecId) ?? s.codecpar.codecId, packets: counts.get(i) ?? 0 }));
  await ic.closeInput();
  process.stdout.write(`${JSON.stringify({ url, streams })}\n`);
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'publish') await publish(args[0], args[1], Number(args[2] ?? 2), args[3] ?? '160x96');
else if (mode === 'play') await play(args[0], Number(args[1] ?? 5), args[2]);
else fail('usage: ertmp-publish.mjs publish FORM URL [SECONDS] [WxH] | play URL SECONDS [FOURCCS]');
