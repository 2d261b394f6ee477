#!/usr/bin/env bash
# make-ertmp-captures.sh [OUTDIR] -- the Enhanced RTMP captures: a real FFmpeg 8.1 (libavformat
# 62, through the node-av 6.1.1 addon; see ertmp-publish.mjs) publishes each E-RTMP form to
# nginx-rtmp 1.2.2 and to node-media-server 4.4.3 while an FFmpeg 8.1 player (connect with
# fourCcList) plays it back; tcpdump records both legs on the loopback of a private namespace.
#
# node-av is installed on demand into <repo>/.cache/nodeav (gitignored) with --ignore-scripts (its
# postinstall fetches an ffmpeg CLI that is not needed). node-media-server 4.4.3 likewise
# into <repo>/.cache/nms, as make-captures.sh does. Output, per FORM of ertmp-publish.mjs:
#   ertmp-FORM-nginx.pcap  ertmp-FORM-nms.pcap
# plus ertmp-packets.json: the packets each publisher wrote (the goldens' tag counts).
# `make-ertmp-captures.sh --install-only` installs the peers and stops.
set -euo pipefail
SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/.." && pwd)
OUTDIR=${1:-$SCRIPT_DIR}
NODEAV_VERSION=6.1.1
NODEAV_PREFIX=${NODE_AV_DIR:-$REPO_ROOT/.cache/nodeav}
NMS_PREFIX=$REPO_ROOT/.cache/nms
NMS_VERSION=${NMS_VERSION:-4.4.3}
NGX_RTMP_MODULE=${NGX_RTMP_MODULE:-/usr/lib/nginx/modules/ngx_rtmp_module.so}
FORMS=${ERTMP_FORMS:-"hevc av1 vp9 mt-video mt-audio audio-ex"}
SECONDS_PER_FORM=${ERTMP_SECONDS:-1}
NS=rtmpscope-ertmp-$$
TMP=

log() { printf '[make-ertmp-captures] %s\n' "$*" >&2; }
die() { printf '[make-ertmp-captures] ERROR: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "must run as root (needs 'ip netns')"
for tool in ip ss tcpdump nginx node npm; do command -v "$tool" >/dev/null 2>&1 || die "missing $tool"; done
if [[ ! -f $NMS_PREFIX/node_modules/node-media-server/package.json ]]; then
  log "installing node-media-server@$NMS_VERSION into $NMS_PREFIX"
  mkdir -p "$NMS_PREFIX"
  npm install --silent --no-audit --no-fund --prefix "$NMS_PREFIX" "node-media-server@$NMS_VERSION" >&2 || die "npm install node-media-server failed"
fi

pkg=$NODEAV_PREFIX/node_modules/node-av/package.json
if [[ ! -f $pkg ]] || [[ $(node -p "require('$pkg').version") != "$NODEAV_VERSION" ]]; then
  log "installing node-av@$NODEAV_VERSION into $NODEAV_PREFIX"
  mkdir -p "$NODEAV_PREFIX"
  [[ -f $NODEAV_PREFIX/package.json ]] || echo '{"private":true}' >"$NODEAV_PREFIX/package.json"
  npm install --silent --no-audit --no-fund --ignore-scripts --prefix "$NODEAV_PREFIX" "node-av@$NODEAV_VERSION" >&2 \
    || die "npm install node-av@$NODEAV_VERSION failed"
fi
[[ $OUTDIR == --install-only ]] && exit 0
mkdir -p "$OUTDIR"
OUTDIR=$(cd -- "$OUTDIR" && pwd)

# On exit (also on failure or a signal): our jobs, then whatever runs in OUR namespace, then the
# namespace and the temp dir (the peers' logs are shown first when something failed).
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  local jobs_left
  jobs_left=$(jobs -p)
  [[ -z $jobs_left ]] || kill -TERM $jobs_left 2>/dev/null || true
  if [[ -e /run/netns/$NS ]]; then
    ip netns pids "$NS" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
    ip netns del "$NS" 2>/dev/null || true
  fi
  wait 2>/dev/null || true
  if [[ -n $TMP && -d $TMP ]]; then
    ((rc == 0)) || tail -n 15 "$TMP"/*.log >&2 2>/dev/null || true
    [[ -z ${KEEP_TMP:-} ]] && rm -rf "$TMP" || log "kept $TMP"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

TMP=$(mktemp -d "${TMPDIR:-/tmp}/rtmpscope-ertmp.XXXXXX")
ip netns add "$NS"
ip netns exec "$NS" ip link set lo up mtu 1500 gso_max_size 1500 gso_max_segs 1

wait_listen() {
  local i
  for i in $(seq 100); do
    [[ -n $(ip netns exec "$NS" ss -Hltn "sport = :$1") ]] && return 0
    sleep 0.1
  done
  die "nothing listens on $1"
}

server_start() {
  if [[ $1 == nginx ]]; then
    cat >"$TMP/nginx.conf" <<EOF
load_module $NGX_RTMP_MODULE;
daemon off;
master_process off;
worker_processes 1;
pid $TMP/nginx.pid;
error_log $TMP/nginx-error.log info;
events { worker_connections 64; }
rtmp { server { listen 1935; chunk_size 4096; application live { live on; record off; } } }
EOF
    ip netns exec "$NS" nginx -c "$TMP/nginx.conf" -p "$TMP" >"$TMP/nginx.log" 2>&1 &
  else
    # $2: JavaScript run before the server starts (a hook on `nms`), if any.
    cat >"$TMP/nms.cjs" <<EOF
const NodeMediaServer = require("$NMS_PREFIX/node_modules/node-media-server");
const nms = new NodeMediaServer({ bind: "127.0.0.1", rtmp: { port: 1935 }, webadmin: { enable: false } }, "$TMP/nms-config.json");
${2:-}
nms.run();
process.on("SIGTERM", () => process.exit(0));
EOF
    # (node-media-server keeps data/.lock in its working directory)
    (cd "$TMP" && exec ip netns exec "$NS" node "$TMP/nms.cjs") >"$TMP/nms.log" 2>&1 &
  fi
  SERVER_PID=$!
  wait_listen 1935
}

# Stops the server, then tcpdump (after the last packets), and moves capture $1 into OUTDIR.
stop_run() {
  sleep 0.3
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  sleep 0.3
  kill -INT "$DUMP_PID" 2>/dev/null || true
  wait "$DUMP_PID" 2>/dev/null || true
  mv "$TMP/$1" "$OUTDIR/$1"
}

# The JSON line a publisher or player printed, or null (a player that failed prints nothing).
json_or_null() {
  if [[ -s $1 ]] && node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$1" 2>/dev/null; then cat "$1"; else echo null; fi
}

echo '{' >"$TMP/packets.json"
first=1
for form in $FORMS; do
  for server in nginx nms; do
    out=ertmp-$form-$server.pcap
    log "$out"
    server_start "$server"
    ip netns exec "$NS" tcpdump -i lo -s 0 -U -w "$TMP/$out" tcp port 1935 >"$TMP/tcpdump.log" 2>&1 &
    DUMP_PID=$!
    sleep 0.7
    # The player connects first and waits for the stream (it is not a late joiner).
    ip netns exec "$NS" node "$SCRIPT_DIR/ertmp-publish.mjs" play rtmp://127.0.0.1:1935/live/s "$((SECONDS_PER_FORM + 2))" hvc1,av01,vp09,Opus,mp4a,fLaC,ac-3,ec-3 \
      >"$TMP/play-$form-$server.json" 2>"$TMP/play.log" &
    PLAY_PID=$!
    # Node loads the addon first: wait until the player's connection is up.
    for _ in $(seq 100); do
      [[ -n $(ip netns exec "$NS" ss -Htn state established '( dport = :1935 )') ]] && break
      sleep 0.1
    done
    sleep 0.5
    ip netns exec "$NS" node "$SCRIPT_DIR/ertmp-publish.mjs" publish "$form" rtmp://127.0.0.1:1935/live/s "$SECONDS_PER_FORM" \
      >"$TMP/pub-$form-$server.json" 2>"$TMP/pub.log" || die "publish $form to $server failed"
    wait "$PLAY_PID" || true
    stop_run "$out"
    ((first)) || echo ',' >>"$TMP/packets.json"
    first=0
    printf '"%s": {"publish": %s, "play": %s}\n' "$out" "$(json_or_null "$TMP/pub-$form-$server.json")" "$(json_or_null "$TMP/play-$form-$server.json")" >>"$TMP/packets.json"
    log "ok  $out: $(stat -c %s "$OUTDIR/$out") bytes"
  done
done
echo '}' >>"$TMP/packets.json"
node -e 'process.stdout.write(JSON.stringify(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")), null, 1) + "\n")' "$TMP/packets.json" >"$OUTDIR/ertmp-packets.json"

# Reconnect Request (E-RTMP v2): node-media-server, told by a hook to send the publisher
# onStatus NetConnection.Connect.ReconnectRequest (tcUrl "/live2", relative) 0.5 s after the
# publish starts; the FFmpeg 8.1 publisher goes on publishing (rtmpproto has no handling of the
# request) and ends its publish normally. ERTMP_RECONNECT=0 skips it.
if [[ ${ERTMP_RECONNECT:-1} != 0 ]]; then
  out=ertmp-reconnect-nms.pcap
  log "$out"
  server_start nms 'nms.on("postPublish", (session) => {
  setTimeout(() => {
    if (session.rtmp === undefined) return;
    session.rtmp.sendInvokeMessage(0, { cmd: "onStatus", transId: 0, cmdObj: null, info: {
      level: "status", code: "NetConnection.Connect.ReconnectRequest", description: "server maintenance", tcUrl: "/live2" } });
  }, 500);
});'
  ip netns exec "$NS" tcpdump -i lo -s 0 -U -w "$TMP/$out" tcp port 1935 >"$TMP/tcpdump.log" 2>&1 &
  DUMP_PID=$!
  sleep 0.7
  ip netns exec "$NS" node "$SCRIPT_DIR/ertmp-publish.mjs" publish hevc rtmp://127.0.0.1:1935/live/s 2 \
    >"$TMP/pub-reconnect.json" 2>"$TMP/pub.log" || die "publish (reconnect) failed"
  stop_run "$out"
  log "ok  $out: $(stat -c %s "$OUTDIR/$out") bytes"
fi
