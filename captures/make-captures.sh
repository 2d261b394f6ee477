#!/usr/bin/env bash
# make-captures.sh [OUTDIR] -- regenerate rtmpscope's committed RTMP captures.
#
# Every capture is recorded from REAL peers (ffmpeg, nginx-rtmp, rtmpdump,
# GStreamer rtmpsink/librtmp, node-media-server) talking over the loopback
# interface of a private network namespace created by this script
# (rtmpscope-cap-<pid>; lo gets MTU 1500 and GSO capped to one segment, so
# large RTMP messages are split into <=1448-byte TCP segments as on Ethernet).
# Nothing leaves the namespace. The namespace, the temp dir and
# every process started here are removed on exit, also on failure.
#
# Needs: root (ip netns), ffmpeg (libx264 + aac), tcpdump, dumpcap, tshark,
# capinfos, nginx + libnginx-mod-rtmp, rtmpdump, gst-launch-1.0 with x264enc,
# flvmux, rtmpsink (+ voaacenc for audio), node + npm (node-media-server is
# installed on demand into <repo>/.cache/nms).
#
# Output (see captures/README.md for provenance of each file; the RTMPS ones come with the
# client's TLS key log as <capture>.keylog):
#   ffmpeg-nginx-publish-play.pcap   gstreamer-nginx-publish.pcap
#   ffmpeg-nms-publish.pcap          ffmpeg-listen-ipv6.pcap
#   ffmpeg-nginx-port19350.pcap      ffmpeg-nginx-publish.pcapng
#   ffmpeg-nginx-any.pcap            ffmpeg-nginx-publish-ns.pcap
#   ffmpeg-rtmpdump-rtmpt.pcap (RTMPT through test-interop/rtmpt-gateway.ts)
#   rtmpdump-rtmpsrv-rtmpe.pcap (+ .keys: rtmpdump's DH secret and RC4 keys)
#   ffmpeg-nginx-rtmps13.pcap        ffmpeg-nginx-rtmps12.pcap   (+ .keylog)
#   ffmpeg-nginx-publish-snap96.pcap (tcpdump -s 96)
#   ffmpeg-nginx-publish-rejected.pcap (BadName, deny publish)  ffmpeg-nginx-high444-gop10.pcap
# and, made from this run's intact ones by scripts/damage-capture.ts (records left
# out, nothing rewritten; needs the built repo, which is built here if missing):
#   ffmpeg-nginx-publish-play-midstream.pcap  ffmpeg-nms-publish-midstream.pcap
#   ffmpeg-nginx-publish-play-lossy.pcap      gstreamer-nginx-publish-lossy.pcap
#   ffmpeg-nginx-rtmps13-lossy.pcap (+ .keylog)
# and rewrapped in tunnels by scripts/wrap-capture.ts: tunnel-{gtpu,vxlan,gre,erspan2,erspan3,
#   ipip,mpls,pppoe,nested,6in4}.pcap
#
# Set KEEP_TMP=1 to keep the temp dir (peer logs, configs) for debugging.
# Files are written to a temp dir, verified (capinfos + tshark: expected number
# of TCP connections, each one torn down inside the file, no malformed
# packets, RTMP connect/publish/play/deleteStream seen) and only then moved into
# OUTDIR (default: the directory holding this script). Timestamps, ports and
# TCP sequence numbers differ from run to run; durations and traffic do not.
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/.." && pwd)
OUTDIR=${1:-$SCRIPT_DIR}
NMS_VERSION=${NMS_VERSION:-4.4.3}          # node-media-server version to use
NMS_PREFIX=$REPO_ROOT/.cache/nms
NGX_RTMP_MODULE=${NGX_RTMP_MODULE:-/usr/lib/nginx/modules/ngx_rtmp_module.so}
NS=rtmpscope-cap-$$
TMP=

log() { printf '[make-captures] %s\n' "$*" >&2; }
die() { printf '[make-captures] ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- preflight
[[ $(id -u) -eq 0 ]] || die "must run as root (needs 'ip netns')"
missing=()
for tool in ip ss timeout ffmpeg tcpdump dumpcap tshark capinfos nginx rtmpdump \
            gst-launch-1.0 gst-inspect-1.0 node npm openssl; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
((${#missing[@]} == 0)) || die "missing peer/tool(s): ${missing[*]}"
[[ -f $NGX_RTMP_MODULE ]] || die "nginx RTMP module not found at $NGX_RTMP_MODULE (apt-get install libnginx-mod-rtmp)"
[[ $(ffmpeg -hide_banner -encoders 2>/dev/null) == *" libx264 "* ]] || die "ffmpeg lacks the libx264 encoder"
for el in x264enc flvmux rtmpsink videotestsrc; do
  gst-inspect-1.0 "$el" >/dev/null 2>&1 || die "GStreamer element '$el' missing (gstreamer1.0-plugins-good/bad/ugly)"
done
GST_AAC=
for el in voaacenc avenc_aac fdkaacenc; do
  if gst-inspect-1.0 "$el" >/dev/null 2>&1; then GST_AAC=$el; break; fi
done
mkdir -p "$OUTDIR"
OUTDIR=$(cd -- "$OUTDIR" && pwd)

# node-media-server, installed on demand (the .cache dir is gitignored)
nms_pkg=$NMS_PREFIX/node_modules/node-media-server/package.json
if [[ ! -f $nms_pkg ]] || [[ $(node -p "require('$nms_pkg').version") != "$NMS_VERSION" ]]; then
  log "installing node-media-server@$NMS_VERSION into $NMS_PREFIX"
  mkdir -p "$NMS_PREFIX"
  npm install --silent --no-audit --no-fund --prefix "$NMS_PREFIX" "node-media-server@$NMS_VERSION" >&2 \
    || die "npm install node-media-server@$NMS_VERSION failed"
fi

# ---------------------------------------------------------------- cleanup
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  local pid
  # our background jobs that have not been reaped yet
  for pid in $(jobs -p); do kill -TERM "$pid" 2>/dev/null || true; done
  if [[ -e /run/netns/$NS ]]; then
    # anything still alive inside OUR namespace was started by this script
    for pid in $(ip netns pids "$NS" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del "$NS" 2>/dev/null || true
  fi
  for pid in $(jobs -p); do wait "$pid" 2>/dev/null || true; done
  if [[ -n $TMP && -d $TMP ]]; then
    if ((rc != 0)); then
      log "failed (exit $rc); last lines of peer logs:"
      local f
      for f in "$TMP"/logs/*.log; do
        [[ -s $f ]] || continue
        printf -- '--- %s\n' "${f##*/}" >&2; tail -n 15 "$f" >&2
      done
    fi
    if [[ -n ${KEEP_TMP:-} ]]; then log "kept temp dir $TMP"; else rm -rf "$TMP"; fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

TMP=$(mktemp -d "${TMPDIR:-/tmp}/rtmpscope-cap.XXXXXX")
mkdir -p "$TMP/logs" "$TMP/out" "$TMP/nginx" "$TMP/nms"

ip netns add "$NS"
# MTU 1500 plus GSO capped at one segment: every TCP segment on the wire (and
# in the capture) is at most 1448 payload bytes, as on a real Ethernet path.
# Without the cap, loopback hands tcpdump up-to-64 KiB GSO super-segments.
ip netns exec "$NS" ip link set lo up mtu 1500 gso_max_size 1500 gso_max_segs 1

nsx() { ip netns exec "$NS" "$@"; }

# bg NAME CMD...: start CMD inside the namespace in the background.
# Sets BG_PID. Bash forks and execs 'ip', which execs CMD after entering the
# namespace, so BG_PID is CMD's own pid (signals reach it directly).
bg() {
  local name=$1; shift
  ip netns exec "$NS" "$@" >"$TMP/logs/$name.log" 2>&1 &
  BG_PID=$!
}

# run NAME SECONDS CMD...: run a client in the namespace, killed after SECONDS.
run() {
  local name=$1 secs=$2; shift 2
  # (call ip directly: a redirection on a shell-function call would also be
  # in force for the EXIT trap if a signal arrived meanwhile)
  ip netns exec "$NS" timeout -k 2 "$secs" "$@" >"$TMP/logs/$name.log" 2>&1 \
    || die "$name failed (exit $?), see log above"
}

# stop PID [SIGNAL]: signal one of our processes and reap it.
stop() {
  kill "-${2:-TERM}" "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# wait_listen PORT: wait until something listens on PORT in the namespace.
wait_listen() {
  local port=$1 i
  for i in $(seq 100); do
    if [[ -n $(nsx ss -Hltn "sport = :$port") ]]; then return 0; fi
    sleep 0.1
  done
  die "nothing listening on port $port after 10 s"
}

# wait_log FILE REGEX: wait until FILE contains REGEX.
wait_log() {
  local i
  for i in $(seq 100); do
    if grep -qE -- "$2" "$1" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  die "timed out waiting for '$2' in $1"
}

# Capture control. tcpdump: -s 0 (full packets), -U (packet-buffered output),
# --immediate-mode (without it libpcap's TPACKET_V3 ring holds packets back in
# blocks and the last ones -- the connection teardown -- are lost on SIGINT),
# -B 65536 (64 MiB ring: in immediate mode every ring slot is snaplen-sized,
# and the 2 MiB default drops packets), -Z root so it does not drop
# privileges before opening the output file.
CAP_PID=
cap_tcpdump() {  # cap_tcpdump FILE [tcpdump options...]
  local file=$1; shift
  bg "capture-${file%.*}" tcpdump -n -s 0 -B 65536 -U --immediate-mode -Z root "$@" -w "$TMP/out/$file"
  CAP_PID=$BG_PID
  wait_log "$TMP/logs/capture-${file%.*}.log" 'listening on '
  sleep 0.2
}
cap_dumpcap() {  # cap_dumpcap FILE [dumpcap options...]
  local file=$1; shift
  bg "capture-${file%.*}" dumpcap -q -i lo -s 0 "$@" -w "$TMP/out/$file"
  CAP_PID=$BG_PID
  # dumpcap -q prints nothing once it runs; wait until it holds a packet socket
  local i
  for i in $(seq 100); do
    [[ -s $TMP/out/$file ]] && break
    sleep 0.1
  done
  [[ -s $TMP/out/$file ]] || die "dumpcap did not start"
  sleep 0.3
}
cap_stop() {
  sleep 0.5          # let the final FIN/ACKs pass
  stop "$CAP_PID" INT
  CAP_PID=
  local f
  for f in "$TMP"/logs/capture-*.log; do
    if grep -qE '^[1-9][0-9]* packets? dropped' "$f"; then die "capture dropped packets: $(cat "$f")"; fi
  done
}

# ---------------------------------------------------------------- peers
FFMPEG=(ffmpeg -hide_banner -nostdin -loglevel warning)
# publish SECONDS URL: ffmpeg publishes a real-time synthetic A/V stream.
# 320x240@15 fps H.264 (~200 kbit/s, keyframe every second) + mono AAC 64 kbit/s.
publish_cmd() {
  PUB=("${FFMPEG[@]}" -re
       -f lavfi -i "testsrc=size=320x240:rate=15"
       -f lavfi -i "sine=frequency=440:sample_rate=44100"
       -t "$1" -map 0:v -map 1:a
       -c:v libx264 -preset veryfast -tune zerolatency -g 15 -b:v 200k -pix_fmt yuv420p
       -c:a aac -b:a 64k -ac 1
       -f flv "$2")
}
# play SECONDS URL: ffmpeg plays a stream and discards it.
play_cmd() {
  # -analyzeduration 1s: with the default 5 s probe ffmpeg swallows the rest of
  # a short live stream while probing and then waits forever after its end.
  PLAY=("${FFMPEG[@]}" -analyzeduration 1000000 -i "$2" -t "$1" -f null -)
}

NGX_PID=
nginx_start() {
  cat >"$TMP/nginx/nginx.conf" <<EOF
load_module $NGX_RTMP_MODULE;
daemon off;
master_process off;
worker_processes 1;
pid $TMP/nginx/nginx.pid;
error_log $TMP/logs/nginx-error.log info;
events { worker_connections 64; }
rtmp {
    access_log $TMP/logs/nginx-rtmp-access.log;
    server {
        listen 1935;
        chunk_size 4096;
        application live { live on; record off; }
        # the rejected-publish capture (section "diff and targets"): every publish denied
        application locked { live on; record off; deny publish all; }
    }
    server {
        listen 19350;
        chunk_size 4096;
        application live { live on; record off; }
    }
}
EOF
  bg nginx nginx -p "$TMP/nginx" -e "$TMP/logs/nginx-error.log" -c "$TMP/nginx/nginx.conf"
  NGX_PID=$BG_PID
  wait_listen 1935
  wait_listen 19350
}
nginx_stop() { stop "$NGX_PID" QUIT; NGX_PID=; }

NMS_PID=
nms_start() {
  cat >"$TMP/nms/start.cjs" <<EOF
// Minimal node-media-server v4 launcher: RTMP on 127.0.0.1:1935 only.
const NodeMediaServer = require("$NMS_PREFIX/node_modules/node-media-server");
const config = {
  bind: "127.0.0.1",
  rtmp: { port: 1935 },
  webadmin: { enable: false },
  store: { path: "$TMP/nms/data" },
  record: { auto: false, path: "$TMP/nms/record" },
};
const nms = new NodeMediaServer(config, "$TMP/nms/config.json");
nms.run();
const bye = () => { nms.stop().finally(() => process.exit(0)); };
process.on("SIGTERM", bye);
process.on("SIGINT", bye);
EOF
  bg nms node "$TMP/nms/start.cjs"
  NMS_PID=$BG_PID
  wait_listen 1935
}
nms_stop() { stop "$NMS_PID" TERM; NMS_PID=; }

# ---------------------------------------------------------------- verification
# verify FILE CONNS PORT REGEX...: the capture must be intact, hold CONNS TCP
# connections (SYNs) and its RTMP decode must match every REGEX.
verify() {
  local file=$1 conns=$2 port=$3; shift 3
  local path=$TMP/out/$file info syns ends bad rtmp re
  info=$(capinfos "$path" 2>&1) || die "capinfos failed on $file: $info"
  if grep -qiE 'cut short|truncat|appears to be damaged' <<<"$info"; then die "$file is truncated: $info"; fi
  syns=$(tshark -r "$path" -Y 'tcp.flags.syn==1 && tcp.flags.ack==0' -T fields -e tcp.stream 2>/dev/null | sort -u | wc -l)
  ((syns == conns)) || die "$file: expected $conns TCP connections, tshark sees $syns"
  # every connection must also be torn down inside the capture (FIN or RST)
  ends=$(tshark -r "$path" -Y 'tcp.flags.fin==1 || tcp.flags.reset==1' -T fields -e tcp.stream 2>/dev/null | sort -u | wc -l)
  ((ends == conns)) || die "$file: only $ends of $conns TCP connections end inside the capture"
  # Wireshark's default rtmpt.max_packet_size (32768) is below the 65535-byte
  # chunk size node-media-server negotiates; with it the dissector loses sync.
  local ws=(-o rtmpt.max_packet_size:1048576 -d "tcp.port==$port,rtmpt")
  rtmp=$(tshark -r "$path" "${ws[@]}" -Y rtmpt -T fields -e tcp.stream -e _ws.col.Info 2>/dev/null)
  bad=$(tshark -r "$path" "${ws[@]}" -Y '_ws.malformed' 2>/dev/null | wc -l)
  ((bad == 0)) || die "$file: tshark reports $bad malformed packet(s)"
  for re in "$@"; do
    grep -qE -- "$re" <<<"$rtmp" || die "$file: no RTMP message matching '$re'"
  done
  log "ok  $file: $(stat -c %s "$path") bytes, $syns TCP connection(s)"
}

# ---------------------------------------------------------------- captures
# 1. ffmpeg -> nginx-rtmp publish, plus ffmpeg and rtmpdump playing it back.
log "1/9 ffmpeg-nginx-publish-play.pcap"
nginx_start
cap_tcpdump ffmpeg-nginx-publish-play.pcap -i lo
publish_cmd 4 rtmp://127.0.0.1/live/test
bg publisher "${PUB[@]}"; pub=$BG_PID
sleep 1
play_cmd 2 rtmp://127.0.0.1/live/test
bg ffmpeg-play timeout -k 2 15 "${PLAY[@]}"; p1=$BG_PID
# rtmpdump's --stop is not honoured on a live stream (nginx timestamps are
# absolute and it ignores the play duration), so end it with SIGTERM after
# 2.5 s: rtmpdump's handler then sends deleteStream and closes cleanly.
bg rtmpdump-play timeout --preserve-status -k 2 2.5 rtmpdump -V -r rtmp://127.0.0.1/live/test -v --stop 2 -m 10 -o /dev/null; p2=$BG_PID
wait "$p1" || die "ffmpeg player failed"
wait "$p2" || { rc=$?; ((rc == 2)) || die "rtmpdump failed (exit $rc)"; }   # 2 = "download incomplete", normal when interrupted
grep -q 'Invoking deleteStream' "$TMP/logs/rtmpdump-play.log" || die "rtmpdump did not shut down cleanly"
wait "$pub" || die "ffmpeg publisher failed"
cap_stop
nginx_stop
verify ffmpeg-nginx-publish-play.pcap 3 1935 'connect\(' "publish\('test'\)" "play\('test'\)" 'deleteStream\('

# 2. GStreamer rtmpsink (librtmp) -> nginx-rtmp publish.
log "2/9 gstreamer-nginx-publish.pcap${GST_AAC:+ (audio: $GST_AAC)}"
nginx_start
cap_tcpdump gstreamer-nginx-publish.pcap -i lo
GST=(gst-launch-1.0 -q -e
     videotestsrc is-live=true num-buffers=45 pattern=smpte
     '!' video/x-raw,width=320,height=240,framerate=15/1
     '!' x264enc tune=zerolatency speed-preset=veryfast bitrate=200 key-int-max=15
     '!' h264parse '!' queue '!' flvmux streamable=true name=mux
     '!' rtmpsink location=rtmp://127.0.0.1/live/gst)
if [[ -n $GST_AAC ]]; then
  # 130 buffers x 1024 samples @ 44.1 kHz = ~3 s, matching the 45 video frames
  GST+=(audiotestsrc is-live=true num-buffers=130 samplesperbuffer=1024 freq=440
        '!' audio/x-raw,rate=44100,channels=1 '!' audioconvert '!' "$GST_AAC"
        '!' aacparse '!' queue '!' mux.)
fi
run gst-publish 20 "${GST[@]}"
cap_stop
nginx_stop
verify gstreamer-nginx-publish.pcap 1 1935 'connect\(' "publish\('gst'\)" 'deleteStream\('

# 3. ffmpeg -> node-media-server publish, plus ffmpeg playing it back.
log "3/9 ffmpeg-nms-publish.pcap"
nms_start
cap_tcpdump ffmpeg-nms-publish.pcap -i lo
publish_cmd 3 rtmp://127.0.0.1/live/nms
bg publisher "${PUB[@]}"; pub=$BG_PID
sleep 1
play_cmd 1.5 rtmp://127.0.0.1/live/nms
run ffmpeg-play 15 "${PLAY[@]}"
wait "$pub" || die "ffmpeg publisher failed"
cap_stop
nms_stop
verify ffmpeg-nms-publish.pcap 2 1935 'connect\(' "publish\('nms'\)" "play\('nms'\)" 'deleteStream\('

# 4. ffmpeg as RTMP server (-listen 1) on [::1], ffmpeg client publishing over IPv6.
log "4/9 ffmpeg-listen-ipv6.pcap"
bg ffmpeg-listen timeout -k 2 20 "${FFMPEG[@]}" -listen 1 -i 'rtmp://[::1]:1935/live/x' -c copy -f flv "$TMP/listen.flv"
srv=$BG_PID
wait_listen 1935
cap_tcpdump ffmpeg-listen-ipv6.pcap -i lo
publish_cmd 2 'rtmp://[::1]:1935/live/x'
run publisher 15 "${PUB[@]}"
wait "$srv" || die "ffmpeg -listen server failed"
cap_stop
verify ffmpeg-listen-ipv6.pcap 1 1935 'connect\(' "publish\('x'\)" 'deleteStream\('
[[ $(tshark -r "$TMP/out/ffmpeg-listen-ipv6.pcap" -Y 'ipv6.src==::1 && tcp.port==1935' -T fields -e frame.number 2>/dev/null) ]] \
  || die "ffmpeg-listen-ipv6.pcap holds no IPv6 traffic"

# 5. ffmpeg -> nginx-rtmp on the non-standard port 19350, plus ffmpeg playing it back.
log "5/9 ffmpeg-nginx-port19350.pcap"
nginx_start
cap_tcpdump ffmpeg-nginx-port19350.pcap -i lo
publish_cmd 3 rtmp://127.0.0.1:19350/live/alt
bg publisher "${PUB[@]}"; pub=$BG_PID
sleep 1
play_cmd 1 rtmp://127.0.0.1:19350/live/alt
run ffmpeg-play 15 "${PLAY[@]}"
wait "$pub" || die "ffmpeg publisher failed"
cap_stop
nginx_stop
verify ffmpeg-nginx-port19350.pcap 2 19350 'connect\(' "publish\('alt'\)" "play\('alt'\)" 'deleteStream\('

# 6. pcapng, written natively by dumpcap.
log "6/9 ffmpeg-nginx-publish.pcapng"
nginx_start
cap_dumpcap ffmpeg-nginx-publish.pcapng -n \
  --capture-comment "rtmpscope capture: ffmpeg publishes rtmp://127.0.0.1/live/ng to nginx-rtmp (make-captures.sh)"
publish_cmd 2 rtmp://127.0.0.1/live/ng
run publisher 15 "${PUB[@]}"
cap_stop
nginx_stop
verify ffmpeg-nginx-publish.pcapng 1 1935 'connect\(' "publish\('ng'\)" 'deleteStream\('

# 7. tcpdump -i any: Linux "cooked" capture (LINUX_SLL2 link type).
log "7/9 ffmpeg-nginx-any.pcap"
nginx_start
cap_tcpdump ffmpeg-nginx-any.pcap -i any
publish_cmd 2 rtmp://127.0.0.1/live/any
run publisher 15 "${PUB[@]}"
cap_stop
nginx_stop
verify ffmpeg-nginx-any.pcap 1 1935 'connect\(' "publish\('any'\)" 'deleteStream\('

# 8. classic pcap with nanosecond timestamps (magic a1b23c4d).
log "8/9 ffmpeg-nginx-publish-ns.pcap"
nginx_start
cap_tcpdump ffmpeg-nginx-publish-ns.pcap -i lo --time-stamp-precision=nano
publish_cmd 2 rtmp://127.0.0.1/live/ns
run publisher 15 "${PUB[@]}"
cap_stop
nginx_stop
verify ffmpeg-nginx-publish-ns.pcap 1 1935 'connect\(' "publish\('ns'\)" 'deleteStream\('

# RTMPE. rtmpdump plays rtmpe:// from rtmpsrv (rtmpdump's stub server): C0 = 6, answered 8
# (DH + RC4, XTEA-encrypted C2/S2 signatures). rtmpsrv answers connect, createStream and play
# (NetStream.Play.Start, then Stream EOF) and closes. Both run with -z: rtmpdump's log gives the
# DH secret and RC4 keys, kept beside the capture (rtmpdump-rtmpsrv-rtmpe.keys) so the tests can
# check rtmpscope's key derivation and decrypt the capture. tshark cannot read RTMPE, so the
# check is the peers' logs and rtmpscope's own decode (RTMPE type 8, no warning).
log "rtmpe: rtmpdump-rtmpsrv-rtmpe.pcap"
mkfifo "$TMP/rtmpsrv.in"
exec 3<>"$TMP/rtmpsrv.in"          # rtmpsrv reads commands from stdin: give it one that stays silent
# (in $TMP: on play, rtmpsrv spawns an rtmpdump of the same URL -- the second connection in the
# capture, to rtmpsrv itself -- which writes rtmpe.flv into the working directory)
(cd "$TMP" && exec ip netns exec "$NS" rtmpsrv -z <&3 >"$TMP/logs/rtmpsrv.log" 2>&1) &
srv=$!
exec 3>&-
wait_listen 1935
cap_tcpdump rtmpdump-rtmpsrv-rtmpe.pcap -i lo
# -v (live); rtmpsrv closes after play, so exit 1 (closed early) is expected.
ip netns exec "$NS" timeout -k 2 10 rtmpdump -r rtmpe://127.0.0.1:1935/live/rtmpe -v -o /dev/null -z >"$TMP/logs/rtmpdump-rtmpe.log" 2>&1 || true
cap_stop
stop "$srv" TERM
grep -q 'Type Answer   : 08' "$TMP/logs/rtmpdump-rtmpe.log" || die "rtmpsrv did not answer RTMPE type 8"
grep -q 'Genuine Adobe Flash Media Server' "$TMP/logs/rtmpdump-rtmpe.log" || die "rtmpdump did not verify rtmpsrv's S2"
grep -q 'NetStream.Play.Start' "$TMP/logs/rtmpdump-rtmpe.log" || die "rtmpdump got no NetStream.Play.Start"
# SECRET <128-byte DH secret> C2S <rtmpdump's RC4 out key> S2C <its in key>, one line per session
awk '/Secret key:/ {k="secret"; n=0; next} /RC4 Out Key:/ {k="out"; n=0; next} /RC4 In Key:/ {k="in"; n=0; next}
     k != "" && /^DEBUG: ([0-9a-f][0-9a-f] )+/ { sub(/^DEBUG: /, ""); gsub(/ /, ""); v[k] = v[k] $0; n++;
       if ((k == "secret" && n == 8) || (k != "secret" && n == 1)) { if (k == "in") { print "SECRET " v["secret"] " C2S " v["out"] " S2C " v["in"]; delete v } k = "" } next }
     { k = "" }' "$TMP/logs/rtmpdump-rtmpe.log" >"$TMP/out/rtmpdump-rtmpsrv-rtmpe.keys"
keys=$(wc -l <"$TMP/out/rtmpdump-rtmpsrv-rtmpe.keys")
info=$(capinfos "$TMP/out/rtmpdump-rtmpsrv-rtmpe.pcap" 2>&1) || die "capinfos failed: $info"
syns=$(tshark -r "$TMP/out/rtmpdump-rtmpsrv-rtmpe.pcap" -Y 'tcp.flags.syn==1 && tcp.flags.ack==0' -T fields -e tcp.stream 2>/dev/null | sort -u | wc -l)
# Keys for rtmpdump's own session; the spawned rtmpdump's session has none
((syns >= 1 && keys >= 1)) || die "rtmpdump-rtmpsrv-rtmpe.pcap: $syns TCP connection(s), $keys key line(s) from rtmpdump -z"
log "ok  rtmpdump-rtmpsrv-rtmpe.pcap: $(stat -c %s "$TMP/out/rtmpdump-rtmpsrv-rtmpe.pcap") bytes, $syns TCP connection(s)"
# ---------------------------------------------------------------- RTMPS (TLS) captures
# ffmpeg (GnuTLS, which writes SSLKEYLOGFILE) publishes rtmps://localhost:1936 to nginx's stream
# module (listen ... ssl, a throwaway self-signed ECDSA certificate made here), which proxies the
# plaintext to nginx-rtmp on 1935: both legs in one capture, and the client's key log beside it
# as <capture>.keylog (keys of a throwaway session). TLS 1.3 as negotiated by default
# (TLS_AES_256_GCM_SHA384), and TLS 1.2 forced by nginx (ECDHE-ECDSA-AES128-GCM-SHA256).
NGX_STREAM_MODULE=${NGX_STREAM_MODULE:-/usr/lib/nginx/modules/ngx_stream_module.so}
rtmps_capture() {  # rtmps_capture FILE STREAM "nginx ssl directives"
  local file=$1 stream=$2 ssl=$3 ngx tls
  [[ -f $NGX_STREAM_MODULE ]] || die "nginx stream module not found at $NGX_STREAM_MODULE (apt-get install libnginx-mod-stream)"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost \
    -keyout "$TMP/nginx/tls.key" -out "$TMP/nginx/tls.crt" >"$TMP/logs/openssl.log" 2>&1 || die "openssl req failed"
  cat >"$TMP/nginx/rtmps.conf" <<EOF
load_module $NGX_STREAM_MODULE; load_module $NGX_RTMP_MODULE;
daemon off; master_process off; worker_processes 1;
pid $TMP/nginx/nginx.pid; error_log $TMP/logs/nginx-error.log info;
events { worker_connections 64; }
stream {
    server {
        listen 127.0.0.1:1936 ssl;
        ssl_certificate $TMP/nginx/tls.crt;
        ssl_certificate_key $TMP/nginx/tls.key;
        $ssl
        proxy_pass 127.0.0.1:1935;
    }
}
rtmp { server { listen 1935; chunk_size 4096; application live { live on; record off; } } }
EOF
  bg nginx-rtmps nginx -p "$TMP/nginx" -e "$TMP/logs/nginx-error.log" -c "$TMP/nginx/rtmps.conf"
  ngx=$BG_PID
  wait_listen 1935
  wait_listen 1936
  cap_tcpdump "$file" -i lo
  publish_cmd 2 "rtmps://localhost:1936/live/$stream"
  rm -f "$TMP/out/$file.keylog"
  SSLKEYLOGFILE=$TMP/out/$file.keylog run "publisher-$stream" 20 "${PUB[@]}"
  cap_stop
  stop "$ngx" QUIT
  [[ -s $TMP/out/$file.keylog ]] || die "ffmpeg (GnuTLS) wrote no key log for $file"
  # tshark decrypts the TLS with the key log (README "RTMPS": it does not hand the plaintext
  # to its RTMP dissector, so the RTMP verified below is the plaintext leg's).
  tls=$(tshark -r "$TMP/out/$file" -o "tls.keylog_file:$TMP/out/$file.keylog" -Y 'tls.app_data' -T fields -e tcp.stream 2>/dev/null | sort -u | wc -l)
  ((tls == 1)) || die "$file: tshark decrypts application data on $tls TLS connection(s), expected 1"
  verify "$file" 2 1935 'connect\(' "publish\('$stream'\)" 'deleteStream\('
}
log "rtmps: ffmpeg-nginx-rtmps13.pcap, ffmpeg-nginx-rtmps12.pcap"
rtmps_capture ffmpeg-nginx-rtmps13.pcap tls13 'ssl_protocols TLSv1.3;'
rtmps_capture ffmpeg-nginx-rtmps12.pcap tls12 'ssl_protocols TLSv1.2; ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256;'
# 9. A snap length too small for RTMP: tcpdump -s 96 keeps 96 bytes of each frame (Ethernet + IPv4 +
# TCP with timestamps = 66, so at most 30 payload bytes per segment). Not verified with tshark's
# RTMP dissector (it cannot decode it either); capinfos must show the 96-byte limit and both ends.
log "9 ffmpeg-nginx-publish-snap96.pcap"
nginx_start
cap_tcpdump ffmpeg-nginx-publish-snap96.pcap -i lo -s 96
publish_cmd 1 rtmp://127.0.0.1/live/snap
run publisher 15 "${PUB[@]}"
cap_stop
nginx_stop
snapinfo=$(capinfos -l "$TMP/out/ffmpeg-nginx-publish-snap96.pcap")
grep -qE 'Packet size limit: +file hdr: 96 bytes' <<<"$snapinfo" || die "ffmpeg-nginx-publish-snap96.pcap: snap length is not 96: $snapinfo"
ends=$(tshark -r "$TMP/out/ffmpeg-nginx-publish-snap96.pcap" -Y 'tcp.flags.fin==1 || tcp.flags.reset==1' -T fields -e tcp.stream 2>/dev/null | sort -u | wc -l)
((ends == 1)) || die "ffmpeg-nginx-publish-snap96.pcap: expected 1 connection torn down, tshark sees $ends"
log "ok  ffmpeg-nginx-publish-snap96.pcap: $(stat -c %s "$TMP/out/ffmpeg-nginx-publish-snap96.pcap") bytes"

# ---------------------------------------------------------------- damaged captures
# Made from the intact captures above (already verified) by scripts/damage-capture.ts, which
# reads them with rtmpscope's own capture decoder and writes a classic pcap of the records it
# keeps, byte for byte with their original timestamps. The parameters are documented in
# captures/README.md ("Damaged captures") and held by test/session/recovery.test.ts.
log "damaged captures (scripts/damage-capture.ts)"
DAMAGE_JS=$REPO_ROOT/dist/scripts/damage-capture.js
if [[ ! -f $DAMAGE_JS || $REPO_ROOT/scripts/damage-capture.ts -nt $DAMAGE_JS ]]; then
  log "building the repo (npx tsc -p tsconfig.json) for $DAMAGE_JS"
  # tsc emits even when some other file has a type error; what matters is the script.
  (cd "$REPO_ROOT" && npx tsc -p tsconfig.json) >"$TMP/logs/tsc.log" 2>&1 || true
  [[ -f $DAMAGE_JS && ! $REPO_ROOT/scripts/damage-capture.ts -nt $DAMAGE_JS ]] \
    || die "could not build $DAMAGE_JS (run npm install, then npx tsc -p tsconfig.json): $(tail -5 "$TMP/logs/tsc.log")"
fi
RTMPSCOPE_JS=$REPO_ROOT/dist/src/cli/main.js

# damage IN OUT ARGS...: run the damage script on this run's IN.
damage() {
  local in=$1 out=$2; shift 2
  node "$DAMAGE_JS" "$TMP/out/$in" "$TMP/out/$out" "$@" 2>>"$TMP/logs/damage.log" \
    || die "damage-capture failed on $in: $(tail -3 "$TMP/logs/damage.log")"
}

# verify_damaged FILE CONNS midstream|lossy: readable, CONNS TCP connections that all end
# inside the file; midstream: no SYN at all (every connection starts mid-stream); lossy: every
# SYN kept and tshark sees segments missing; and rtmpscope had to resynchronise.
verify_damaged() {
  local file=$1 conns=$2 kind=$3
  local path=$TMP/out/$file info streams syns ends lost decoded
  info=$(capinfos "$path" 2>&1) || die "capinfos failed on $file: $info"
  if grep -qiE 'cut short|truncat|appears to be damaged' <<<"$info"; then die "$file is truncated: $info"; fi
  streams=$(tshark -r "$path" -Y tcp -T fields -e tcp.stream 2>/dev/null | sort -u | wc -l)
  ((streams == conns)) || die "$file: expected $conns TCP connections, tshark sees $streams"
  syns=$(tshark -r "$path" -Y 'tcp.flags.syn==1 && tcp.flags.ack==0' -T fields -e tcp.stream 2>/dev/null | sort -u | wc -l)
  ends=$(tshark -r "$path" -Y 'tcp.flags.fin==1 || tcp.flags.reset==1' -T fields -e tcp.stream 2>/dev/null | sort -u | wc -l)
  ((ends == conns)) || die "$file: only $ends of $conns TCP connections end inside the capture"
  if [[ $kind == midstream ]]; then
    ((syns == 0)) || die "$file: $syns connection(s) still start inside the capture; the cut must come after every handshake"
  else
    ((syns == conns)) || die "$file: expected $conns SYNs, tshark sees $syns"
    lost=$(tshark -r "$path" -Y 'tcp.analysis.lost_segment' 2>/dev/null | wc -l)
    ((lost > 0)) || die "$file: tshark sees no lost segment"
  fi
  decoded=$(node "$RTMPSCOPE_JS" export "$path" 2>&1) || die "rtmpscope failed on $file: $(tail -3 <<<"$decoded")"
  grep -qE '"code":"rtmp\.chunk\.(resync|size-inferred)"' <<<"$decoded" || die "$file: rtmpscope did not resynchronise anywhere"
  if [[ $kind == midstream ]] && grep -q '"type":"handshake"' <<<"$decoded"; then
    die "$file: a handshake is still inside the capture; the cut must come after every handshake"
  fi
  log "ok  $file: $(stat -c %s "$path") bytes, $streams TCP connection(s), $kind"
}

# Start cut 1.5 s into the file: after every player's handshake, commands and first media
# (they connect at ~1.05 s and get media from ~1.25 s), so every connection starts mid-stream.
damage ffmpeg-nginx-publish-play.pcap ffmpeg-nginx-publish-play-midstream.pcap --cut-start-seconds 1.5
verify_damaged ffmpeg-nginx-publish-play-midstream.pcap 3 midstream
damage ffmpeg-nms-publish.pcap ffmpeg-nms-publish-midstream.pcap --cut-start-seconds 1.5
verify_damaged ffmpeg-nms-publish-midstream.pcap 2 midstream
# Mid-stream on a port that is not 1935 (the port gives no hint; evidence must): cut inside the
# first large video message (frames 1..39), and between S1 and C2/S2 (frames 1..11: the capture
# holds C2 and S2, then chunks).
# The player connects at ~1 s, after these cuts: only the publisher's connection starts mid-stream,
# so verify_damaged's all-mid-stream check does not apply; each must decode with a start unseen.
verify_start_unseen() {
  local decoded
  decoded=$(node "$RTMPSCOPE_JS" export "$TMP/out/$1" 2>&1) || die "rtmpscope failed on $1: $(tail -3 <<<"$decoded")"
  grep -q '"code":"tcp.start-unseen"' <<<"$decoded" || die "$1: no connection starts mid-stream"
  log "ok  $1: $(stat -c %s "$TMP/out/$1") bytes, publisher mid-stream"
}
damage ffmpeg-nginx-port19350.pcap ffmpeg-nginx-port19350-midstream.pcap --cut-start-frames 39
verify_start_unseen ffmpeg-nginx-port19350-midstream.pcap
damage ffmpeg-nginx-port19350.pcap ffmpeg-nginx-port19350-midhandshake.pcap --cut-start-frames 11
verify_start_unseen ffmpeg-nginx-port19350-midhandshake.pcap
# Every 25th payload segment of each direction, starting with its 5th (n = 5, 30, 55, ...).
damage ffmpeg-nginx-publish-play.pcap ffmpeg-nginx-publish-play-lossy.pcap --drop-every 25 --seed 20
verify_damaged ffmpeg-nginx-publish-play-lossy.pcap 3 lossy
damage gstreamer-nginx-publish.pcap gstreamer-nginx-publish-lossy.pcap --drop-every 25 --drop-dir c2s --seed 20
verify_damaged gstreamer-nginx-publish-lossy.pcap 1 lossy
# RTMPS with losses: every 20th payload segment of the client's direction (both legs); the TLS
# leg must resume decrypting at a later record.
damage ffmpeg-nginx-rtmps13.pcap ffmpeg-nginx-rtmps13-lossy.pcap --drop-every 20 --drop-dir c2s --seed 20
cp "$TMP/out/ffmpeg-nginx-rtmps13.pcap.keylog" "$TMP/out/ffmpeg-nginx-rtmps13-lossy.pcap.keylog"
decoded=$(node "$RTMPSCOPE_JS" export "$TMP/out/ffmpeg-nginx-rtmps13-lossy.pcap" --keylog "$TMP/out/ffmpeg-nginx-rtmps13-lossy.pcap.keylog" 2>&1) \
  || die "rtmpscope failed on ffmpeg-nginx-rtmps13-lossy.pcap"
grep -q '"code":"tls.record.lost"' <<<"$decoded" || die "ffmpeg-nginx-rtmps13-lossy.pcap: rtmpscope saw no TLS record lost"

# ---------------------------------------------------------------- RTMPT
# 9. RTMPT (RTMP tunnelled in HTTP): ffmpeg publishes rtmpt:// and rtmpdump plays rtmpt://
# through the interop suite's RTMPT<->RTMP gateway (test-interop/rtmpt-gateway.ts, HTTP on port
# 8080) to nginx-rtmp over plain TCP. Both legs are in the file: 2 HTTP connections (one per
# client, keep-alive) and 2 RTMP connections (gateway -> nginx). Small on purpose: 160x120@10,
# ~50 kbit/s, 2.5 s publish; rtmpdump plays ~1.5 s and is stopped with SIGINT (it then sends
# deleteStream and POSTs /close).
log "9/9 ffmpeg-rtmpdump-rtmpt.pcap"
GATEWAY_JS=$REPO_ROOT/dist/test-interop/rtmpt-gateway.js
if [[ ! -f $GATEWAY_JS || $REPO_ROOT/test-interop/rtmpt-gateway.ts -nt $GATEWAY_JS ]]; then
  (cd "$REPO_ROOT" && npx tsc -p tsconfig.json) >"$TMP/logs/tsc-gw.log" 2>&1 || true
  [[ -f $GATEWAY_JS ]] || die "could not build $GATEWAY_JS: $(tail -5 "$TMP/logs/tsc-gw.log")"
fi
nginx_start
bg rtmpt-gateway node "$GATEWAY_JS" 8080 127.0.0.1:1935; gw=$BG_PID
wait_listen 8080
cap_tcpdump ffmpeg-rtmpdump-rtmpt.pcap -i lo
PUB=("${FFMPEG[@]}" -re -f lavfi -i "testsrc=size=160x120:rate=10" -f lavfi -i "sine=frequency=440:sample_rate=22050"
     -t 2.5 -map 0:v -map 1:a -c:v libx264 -preset veryfast -tune zerolatency -g 10 -b:v 40k -pix_fmt yuv420p
     -c:a aac -b:a 24k -ac 1 -f flv rtmpt://127.0.0.1:8080/live/tunnel)
bg publisher timeout -k 2 20 "${PUB[@]}"; pub=$BG_PID
sleep 0.8
bg rtmpdump-rtmpt timeout --preserve-status -s INT -k 2 1.5 rtmpdump -V -r rtmpt://127.0.0.1:8080/live/tunnel -v -m 10 -o /dev/null; p2=$BG_PID
wait "$p2" || { rc=$?; ((rc == 2)) || die "rtmpdump (rtmpt) failed (exit $rc)"; }
grep -q 'Invoking deleteStream' "$TMP/logs/rtmpdump-rtmpt.log" || die "rtmpdump (rtmpt) did not shut down cleanly"
wait "$pub" || die "ffmpeg publisher (rtmpt) failed"
sleep 0.3
stop "$gw" TERM
cap_stop
nginx_stop
# verify: 4 connections (2 HTTP, 2 RTMP), all torn down; the plain RTMP leg decodes in tshark;
# the tunnel is there. (tshark's own RTMPT-over-HTTP view of rtmpdump's tunnel is malformed:
# that is the point of this capture, see test-interop/rtmpt.test.ts.)
f=$TMP/out/ffmpeg-rtmpdump-rtmpt.pcap
syns=$(tshark -r "$f" -Y 'tcp.flags.syn==1 && tcp.flags.ack==0' -T fields -e tcp.stream 2>/dev/null | sort -u | wc -l)
((syns == 4)) || die "ffmpeg-rtmpdump-rtmpt.pcap: expected 4 TCP connections, tshark sees $syns"
ends=$(tshark -r "$f" -Y 'tcp.flags.fin==1 || tcp.flags.reset==1' -T fields -e tcp.stream 2>/dev/null | sort -u | wc -l)
((ends == 4)) || die "ffmpeg-rtmpdump-rtmpt.pcap: only $ends of 4 TCP connections end inside the capture"
leg=$(tshark -r "$f" -Y 'rtmpt && tcp.port==1935' -T fields -e _ws.col.Info 2>/dev/null)
for re in "publish\('tunnel'\)" "play\('tunnel'\)" 'deleteStream\('; do
  grep -qE -- "$re" <<<"$leg" || die "ffmpeg-rtmpdump-rtmpt.pcap: no RTMP message matching '$re' on the plain leg"
done
for re in '^/open/1$' '^/send/' '^/idle/' '^/close/'; do
  tshark -r "$f" -Y 'http.request && tcp.port==8080' -T fields -e http.request.uri 2>/dev/null | grep -qE -- "$re" \
    || die "ffmpeg-rtmpdump-rtmpt.pcap: no HTTP request matching '$re'"
done
log "ok  ffmpeg-rtmpdump-rtmpt.pcap: $(stat -c %s "$f") bytes, 4 TCP connection(s)"

# ---------------------------------------------------------------- tunnelled captures
# This run's ffmpeg-nginx-publish-ns.pcap (frames 1..120: handshake, connect, publish, first
# media) rewrapped in each tunnel by scripts/wrap-capture.ts (inner packets byte for byte; see
# captures/README.md, "Tunnelled captures"), and ffmpeg-listen-ipv6.pcap (frames 1..100) in IPv4
# (6in4). tshark must read the same RTMP message types out of each as out of the unwrapped frames.
log "tunnelled captures (scripts/wrap-capture.ts)"
WRAP_JS=$REPO_ROOT/dist/scripts/wrap-capture.js
[[ -f $WRAP_JS && ! $REPO_ROOT/scripts/wrap-capture.ts -nt $WRAP_JS ]] || die "build $WRAP_JS first (npx tsc -p tsconfig.json)"
rtmp_types() { tshark -r "$1" -Y rtmpt -T fields -e rtmpt.header.typeid 2>/dev/null | tr '\n' ' '; }
wrap() {  # wrap IN KIND FRAMES OUT
  node "$WRAP_JS" "$TMP/out/$1" "$TMP/out/$4" "$2" --frames "$3" 2>>"$TMP/logs/wrap.log" || die "wrap-capture $2 failed: $(tail -3 "$TMP/logs/wrap.log")"
  editcap -r "$TMP/out/$1" "$TMP/plain-$4" "1-$3" >/dev/null 2>&1 || die "editcap failed on $1"
  local want got
  want=$(rtmp_types "$TMP/plain-$4"); got=$(rtmp_types "$TMP/out/$4")
  [[ -n $want && $want == "$got" ]] || die "$4: tshark reads other RTMP messages than from the unwrapped frames"
  log "ok  $4: $(stat -c %s "$TMP/out/$4") bytes"
}
for kind in gtpu vxlan gre erspan2 erspan3 ipip mpls pppoe nested; do
  wrap ffmpeg-nginx-publish-ns.pcap "$kind" 120 "tunnel-$kind.pcap"
done
wrap ffmpeg-listen-ipv6.pcap ipip 100 tunnel-6in4.pcap

# ---------------------------------------------------------------- diff and targets
# (rtmpscope diff, --target; see captures/README.md "Rejected publish and High 4:4:4")
# ffmpeg-nginx-publish-rejected.pcap: ffmpeg publishes live/taken for 3 s; at t≈1 s a second ffmpeg
# publishes the same name (nginx-rtmp answers NetStream.Publish.BadName, "Already publishing"), then a
# third publishes locked/taken, which `deny publish all` refuses (nginx-rtmp answers Publish.Start and
# then resets the connection: "access forbidden by rule" in its log).
log "diff: ffmpeg-nginx-publish-rejected.pcap"
nginx_start
cap_tcpdump ffmpeg-nginx-publish-rejected.pcap -i lo
publish_cmd 3 rtmp://127.0.0.1/live/taken
bg publisher "${PUB[@]}"; pub=$BG_PID
sleep 1
publish_cmd 1 rtmp://127.0.0.1/live/taken
ip netns exec "$NS" timeout -k 2 10 "${PUB[@]}" >"$TMP/logs/publisher-badname.log" 2>&1 && die "the second publisher of live/taken was accepted"
grep -q 'Already publishing' "$TMP/logs/publisher-badname.log" || die "no 'Already publishing' from nginx"
sleep 0.3
publish_cmd 1 rtmp://127.0.0.1/locked/taken
ip netns exec "$NS" timeout -k 2 10 "${PUB[@]}" >"$TMP/logs/publisher-denied.log" 2>&1 && die "the publisher of locked/taken was accepted"
wait "$pub" || die "ffmpeg publisher failed"
cap_stop
nginx_stop
verify ffmpeg-nginx-publish-rejected.pcap 3 1935 "publish\('taken'\)" 'onStatus\('

# ffmpeg-nginx-high444-gop10.pcap: the README's habit of old, testsrc without -pix_fmt: libx264 gets
# rgb24 and picks yuv444p (High 4:4:4 Predictive); -g 300 at 30 fps is one keyframe per 10 s, so
# the 5 s publish has a single keyframe (rtmpscope --target youtube flags both).
log "targets: ffmpeg-nginx-high444-gop10.pcap"
nginx_start
cap_tcpdump ffmpeg-nginx-high444-gop10.pcap -i lo
run publisher-444 20 "${FFMPEG[@]}" -re -f lavfi -i "testsrc=size=320x240:rate=30" \
  -f lavfi -i "sine=frequency=440:sample_rate=44100" -t 5 -map 0:v -map 1:a \
  -c:v libx264 -preset veryfast -tune zerolatency -g 300 -b:v 150k -c:a aac -b:a 64k -ac 1 \
  -f flv rtmp://127.0.0.1/live/hi444
cap_stop
nginx_stop
verify ffmpeg-nginx-high444-gop10.pcap 1 1935 "publish\('hi444'\)"

# ---------------------------------------------------------------- done
for f in "$TMP"/out/*; do
  chmod 0644 "$f"
  mv -f "$f" "$OUTDIR/"
done
log "peers: $(ffmpeg -version | head -1 | cut -d' ' -f1-3); $(nginx -v 2>&1); $(rtmpdump -h 2>&1 | head -1); $(gst-launch-1.0 --version | sed -n 2p); node-media-server $NMS_VERSION on node $(node -v); $(tcpdump --version 2>&1 | head -1); $(dumpcap -v 2>/dev/null | head -1)"
log "wrote $(ls "$OUTDIR" | grep -cE '\.pcap(ng)?$') capture files to $OUTDIR"
