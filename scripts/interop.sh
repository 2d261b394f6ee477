#!/usr/bin/env bash
# The interop suite: regenerate captures from the real peers on this machine (into a temp dir,
# never over the committed ones), then hold rtmpscope against tshark and the peers on both the
# committed and the fresh captures; then the benchmark (real-peer capture, targets checked: it
# exits non-zero when rtmpscope is slower or bigger than #7 allows). Needs root and the Debian
# packages .ci/run installs.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent build
fresh=$(mktemp -d /tmp/rtmpscope-fresh-XXXXXX)
trap 'rm -rf "$fresh"' EXIT
if [[ ${RTMPSCOPE_SKIP_FRESH:-0} != 1 ]]; then
  echo "== regenerating captures from real peers into $fresh"
  bash captures/make-captures.sh "$fresh"
  export RTMPSCOPE_FRESH_CAPTURES=$fresh
fi
echo "== installing the FFmpeg 8.1 peer (node-av) into .cache/nodeav"
bash captures/make-ertmp-captures.sh --install-only || echo "node-av could not be installed: the E-RTMP FFmpeg 8.1 interop tests will skip"
echo "== interop tests"
node --test --test-reporter=spec --test-concurrency=1 dist/test-interop/*.test.js
echo "== benchmark (targets checked)"
node dist/scripts/bench.js --runs 5
