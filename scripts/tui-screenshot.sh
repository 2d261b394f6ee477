#!/bin/sh
# Renders the TUI on a capture to a PNG (README's docs/tui-overview.png, docs/tui-overview-80.png):
# tmux runs it at 160×45 (COLS=80 ROWS=24 for another size), capture-pane -e keeps the colours, a
# few lines of Python turn the ANSI into HTML and headless chromium takes the picture.
# Usage: [COLS=N ROWS=N] scripts/tui-screenshot.sh CAPTURE OUT.png [KEYS...]
set -eu
cap=$1; out=$2; shift 2
cols=${COLS:-160}; rows=${ROWS:-45}
sock=rtmpscope-shot-$$
dir=$(mktemp -d)
trap 'tmux -L $sock kill-server 2>/dev/null || true; rm -rf "$dir"' EXIT
tmux -L $sock -f /dev/null new-session -d -s s -x "$cols" -y "$rows" "env TERM=xterm-256color node dist/bin/rtmpscope.js $cap"
# Until the capture has loaded (a loaded machine takes seconds to start node).
for _ in $(seq 120); do tmux -L $sock capture-pane -p -t s | grep -q '✓ done' && break; sleep 0.5; done
sleep 0.5
for k in "$@"; do tmux -L $sock send-keys -t s "$k"; sleep 0.5; done
tmux -L $sock capture-pane -e -p -t s > "$dir/pane.ans"
python3 - "$dir/pane.ans" "$dir/pane.html" <<'PY'
import html, re, sys
COL = ['#1e1e1e', '#e06c75', '#98c379', '#e5c07b', '#61afef', '#c678dd', '#56b6c2', '#dcdfe4']
BRI = ['#5c6370', '#ff7b86', '#b5e890', '#ffd68a', '#8cc8ff', '#e0a0ff', '#7fdbe6', '#ffffff']
src = open(sys.argv[1], encoding='utf-8').read()
out, st = [], {}
def span(t):
    fg, bg = st.get('fg', '#dcdfe4'), st.get('bg')
    if st.get('inv'): fg, bg = (bg or '#1e1e1e'), fg
    css = f'color:{fg};' + (f'background:{bg};' if bg else '') + ('font-weight:bold;' if st.get('b') else '') + ('opacity:.6;' if st.get('dim') else '')
    return f'<span style="{css}">{html.escape(t)}</span>'
for part in re.split(r'(\x1b\[[0-9;]*m)', src):
    m = re.fullmatch(r'\x1b\[([0-9;]*)m', part)
    if not m:
        if part: out.append(span(part))
        continue
    codes = [int(c) for c in m.group(1).split(';') if c != ''] or [0]
    i = 0
    while i < len(codes):
        c = codes[i]
        if c == 0: st = {}
        elif c == 1: st['b'] = True
        elif c == 2: st['dim'] = True
        elif c == 7: st['inv'] = True
        elif c == 22: st.pop('b', None); st.pop('dim', None)
        elif c == 27: st.pop('inv', None)
        elif 30 <= c <= 37: st['fg'] = COL[c - 30]
        elif 90 <= c <= 97: st['fg'] = BRI[c - 90]
        elif c == 39: st.pop('fg', None)
        elif 40 <= c <= 47: st['bg'] = COL[c - 40]
        elif c == 49: st.pop('bg', None)
        elif c in (38, 48) and i + 2 < len(codes) and codes[i + 1] == 5:
            n = codes[i + 2]; st['fg' if c == 38 else 'bg'] = (COL + BRI)[n] if n < 16 else '#888'; i += 2
        i += 1
open(sys.argv[2], 'w', encoding='utf-8').write(
    '<html><body style="margin:0;background:#1e1e1e"><pre style="margin:8px;font:13px/1.25 \'DejaVu Sans Mono\',monospace;color:#dcdfe4">'
    + ''.join(out) + '</pre></body></html>')
PY
chromium --headless --no-sandbox --disable-gpu --disable-background-networking --no-first-run \
  --hide-scrollbars --window-size=$((cols * 8 + 20)),$((rows * 17 + 20)) --screenshot="$out" "file://$dir/pane.html" 2>/dev/null
echo "wrote $out"
