/**
 * The report page's own style and script, inlined into the HTML beside uPlot. The script reads the
 * model from the page's JSON data block and builds the DOM with textContent only (wire text never
 * becomes markup). One session is shown at a time, so a report with many sessions opens quickly.
 *
 * Kept as plain ES2020 in strings (no backquotes or template placeholders inside).
 */

export const CLIENT_CSS = String.raw`
:root { --bg:#ffffff; --fg:#1d2330; --muted:#5d6678; --line:#d9dde5; --panel:#f4f6f9; --accent:#2456c8;
  --c2s:#2456c8; --s2c:#a04a00; --error:#c62828; --warn:#b26a00; --info:#4b6b8a; --sel:#fff2b3; color-scheme: light; }
:root[data-theme=dark] { --bg:#14171d; --fg:#e3e7ee; --muted:#98a2b3; --line:#333a46; --panel:#1c2029; --accent:#7aa7ff;
  --c2s:#7aa7ff; --s2c:#f0a060; --error:#ff6b6b; --warn:#f2b84b; --info:#8fb3d9; --sel:#4a4320; color-scheme: dark; }
@media (prefers-color-scheme: dark) { :root:not([data-theme=light]) { --bg:#14171d; --fg:#e3e7ee; --muted:#98a2b3; --line:#333a46;
  --panel:#1c2029; --accent:#7aa7ff; --c2s:#7aa7ff; --s2c:#f0a060; --error:#ff6b6b; --warn:#f2b84b; --info:#8fb3d9; --sel:#4a4320; color-scheme: dark; } }
* { box-sizing: border-box; }
body { margin:0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background:var(--bg); color:var(--fg); }
header { display:flex; align-items:center; gap:12px; padding:8px 16px; border-bottom:1px solid var(--line); background:var(--panel); position:sticky; top:0; z-index:5; }
header h1 { font-size:16px; margin:0; }
header .cap { color:var(--muted); overflow:hidden; text-overflow:ellipsis; white-space:nowrap; flex:1; }
button { font:inherit; color:inherit; background:none; border:1px solid var(--line); border-radius:4px; padding:2px 8px; cursor:pointer; }
button:hover { border-color:var(--accent); }
.layout { display:grid; grid-template-columns: 260px 1fr; min-height: calc(100vh - 42px); }
nav { border-right:1px solid var(--line); padding:8px; background:var(--panel); overflow:auto; }
nav h2 { font-size:13px; margin:8px 4px 4px; color:var(--muted); word-break:break-all; }
nav .facts { margin:0 4px 8px; font-size:12px; color:var(--muted); }
nav button.session { display:block; width:100%; text-align:left; margin:2px 0; border-color:transparent; font-size:13px; word-break:break-all; }
nav button.session.active { border-color:var(--accent); background:var(--bg); }
.badge { display:inline-block; min-width:1.6em; padding:0 4px; border-radius:8px; font-size:11px; text-align:center; color:#fff; margin-left:4px; }
.badge.error { background:var(--error); } .badge.warn { background:var(--warn); } .badge.info { background:var(--info); }
main { padding:12px 16px; min-width:0; }
main h2 { font-size:17px; margin:4px 0 10px; word-break:break-all; }
main h3 { font-size:14px; margin:14px 0 6px; color:var(--muted); text-transform:uppercase; letter-spacing:.04em; }
.cards { display:flex; flex-wrap:wrap; gap:12px; }
.card { border:1px solid var(--line); border-radius:6px; padding:8px 10px; background:var(--panel); min-width:260px; max-width:560px; }
.card h4 { margin:0 0 4px; font-size:13px; word-break:break-all; }
table.kv { border-collapse:collapse; font-size:12.5px; }
table.kv td { padding:1px 8px 1px 0; vertical-align:top; word-break:break-all; }
table.kv td:first-child { color:var(--muted); white-space:nowrap; word-break:normal; }
.diags { list-style:none; margin:0; padding:0; max-height:190px; overflow:auto; }
.diags li { margin:1px 0; }
.diags button { padding:0 8px; }
.diags button { width:100%; text-align:left; border-color:var(--line); display:flex; gap:8px; align-items:baseline; }
.diags button.selected { background:var(--sel); }
.sev { font-size:11px; font-weight:600; text-transform:uppercase; min-width:3.5em; }
.sev.error { color:var(--error); } .sev.warn { color:var(--warn); } .sev.info { color:var(--info); }
.code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size:12.5px; }
.msg { color:var(--muted); overflow:hidden; text-overflow:ellipsis; white-space:nowrap; flex:1; }
#detail { border:1px solid var(--line); border-left:4px solid var(--accent); border-radius:4px; padding:8px 10px; margin:8px 0; background:var(--panel); }
#detail[hidden] { display:none; }
#detail .title { font-weight:600; }
#detail p { margin:4px 0; }
.split { display:grid; grid-template-columns: minmax(340px, 520px) 1fr; gap:16px; align-items:start; }
@media (max-width: 1100px) { .split { grid-template-columns: 1fr; } }
.ladder { position:relative; border:1px solid var(--line); border-radius:6px; max-height: 80vh; overflow:auto; font-size:12.5px; }
.lhead, .lrow { display:grid; grid-template-columns: 64px 1fr; }
.lhead { position:sticky; top:0; background:var(--panel); border-bottom:1px solid var(--line); font-weight:600; z-index:1; }
.lhead .ends { display:flex; justify-content:space-between; padding:4px 8px; }
.lrow { border-bottom:1px solid transparent; cursor:pointer; }
.lrow:hover { background:var(--panel); }
.lrow.selected { background:var(--sel); }
.lrow .when { color:var(--muted); padding:3px 4px; text-align:right; font-variant-numeric: tabular-nums; border-right:1px solid var(--line); }
.lrow .lane { position:relative; padding:3px 8px; border-left:2px solid var(--line); border-right:2px solid var(--line); margin:0 6px; }
.arrow { display:flex; align-items:center; gap:4px; }
.arrow .shaft { flex:1; height:0; border-top:1.5px solid currentColor; position:relative; }
.arrow.c2s { color:var(--c2s); } .arrow.s2c { color:var(--s2c); flex-direction:row-reverse; }
.arrow.c2s .shaft::after, .arrow.s2c .shaft::after { content:""; position:absolute; top:-5px; border:4.5px solid transparent; }
.arrow.c2s .shaft::after { right:-2px; border-left:7px solid currentColor; }
.arrow.s2c .shaft::after { left:-2px; border-right:7px solid currentColor; }
.arrow .lbl { color:var(--fg); white-space:nowrap; overflow:hidden; text-overflow:ellipsis; max-width:70%; }
.arrow .lbl b { font-weight:600; }
.lrow .note { color:var(--muted); font-size:11.5px; overflow:hidden; text-overflow:ellipsis; white-space:nowrap; }
.lrow.k-handshake .lbl b { font-style:italic; }
.lrow.k-diagnostic .lane { border-left-style:dashed; border-right-style:dashed; }
.diagrow { font-size:12px; }
.lat { display:inline-block; margin-left:6px; padding:0 4px; border-radius:3px; background:var(--panel); border:1px solid var(--line); color:var(--fg); font-size:11px; }
.omitted { color:var(--muted); font-size:12px; padding:4px 8px; }
.plots { display:flex; flex-direction:column; gap:14px; min-width:0; }
.plot { border:1px solid var(--line); border-radius:6px; padding:6px 8px; min-width:0; }
.plot h4 { margin:0 0 2px; font-size:13px; }
.plot .unit { color:var(--muted); font-weight:normal; }
.uplot { font-family:inherit; }
.u-legend { font-size:12px; color:var(--fg); }
.u-legend .u-series > * { padding:1px 3px; }
.empty { color:var(--muted); font-style:italic; }
`;

export const CLIENT_JS = String.raw`
(function () {
  'use strict';
  var model = JSON.parse(document.getElementById('report-data').textContent);
  var root = document.documentElement;
  var state = { capture: 0, session: 0, sel: null, plots: [] };

  function h(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function add(parent) {
    for (var i = 1; i < arguments.length; i++) if (arguments[i]) parent.appendChild(arguments[i]);
    return parent;
  }
  function css(name) { return getComputedStyle(root).getPropertyValue(name).trim(); }
  function dark() { return css('--bg').toLowerCase() !== '#ffffff'; }
  function palette() {
    return dark()
      ? ['#7aa7ff', '#f0a060', '#6fd08c', '#e07ad8', '#f2d45c', '#5ed0d6', '#ff8a80', '#b39ddb']
      : ['#2456c8', '#c05a00', '#1e8a3c', '#a03098', '#8a7400', '#00838f', '#c62828', '#5e35b1'];
  }
  // Axis numbers: 12 k, 4.5 M instead of 12,000 and 4,500,000.
  function fmtNum(v) {
    var a = Math.abs(v);
    if (a >= 1e9) return +(v / 1e9).toFixed(2) + ' G';
    if (a >= 1e6) return +(v / 1e6).toFixed(2) + ' M';
    if (a >= 1e4) return +(v / 1e3).toFixed(1) + ' k';
    return String(+v.toFixed(3));
  }
  function fmtT(t) { return t === null || t === undefined ? '' : t.toFixed(3) + ' s'; }
  function sevCounts(diags) {
    var c = { error: 0, warn: 0, info: 0 };
    diags.forEach(function (d) { c[d.severity] = (c[d.severity] || 0) + 1; });
    return c;
  }
  function kvTable(facts) {
    var t = h('table', 'kv');
    facts.forEach(function (f) {
      var tr = h('tr');
      add(tr, h('td', null, f[0]), h('td', null, f[1]));
      t.appendChild(tr);
    });
    return t;
  }

  // Theme: the system's preference unless the toggle chose one (remembered when storage works).
  function applyTheme(t) {
    if (t === 'light' || t === 'dark') root.setAttribute('data-theme', t);
    else root.removeAttribute('data-theme');
  }
  try { applyTheme(localStorage.getItem('rtmpscope-theme')); } catch (e) { /* file: storage may be off */ }
  document.getElementById('theme').addEventListener('click', function () {
    var next = dark() ? 'light' : 'dark';
    applyTheme(next);
    try { localStorage.setItem('rtmpscope-theme', next); } catch (e) { /* ignore */ }
    renderSession();
  });
  var mq = window.matchMedia ? window.matchMedia('(prefers-color-scheme: dark)') : null;
  if (mq && mq.addEventListener) mq.addEventListener('change', function () { renderSession(); });

  function renderNav() {
    var nav = document.getElementById('nav');
    nav.textContent = '';
    model.captures.forEach(function (cap, ci) {
      add(nav, h('h2', null, cap.name));
      if (cap.summary.length) add(nav, h('div', 'facts', cap.summary.map(function (f) { return f[1] + ' ' + f[0]; }).join(' · ')));
      cap.diagnostics.forEach(function (d) {
        var b = h('button', 'session capdiag');
        add(b, h('span', 'sev ' + d.severity, d.severity), document.createTextNode(' ' + d.code));
        b.addEventListener('click', function () { showDetail(d); });
        nav.appendChild(b);
      });
      cap.sessions.forEach(function (s, si) {
        var b = h('button', 'session', s.title);
        b.setAttribute('data-session', String(s.session));
        if (ci === state.capture && si === state.session) b.classList.add('active');
        var c = sevCounts(s.diagnostics);
        ['error', 'warn', 'info'].forEach(function (k) { if (c[k]) add(b, h('span', 'badge ' + k, c[k])); });
        b.addEventListener('click', function () { state.capture = ci; state.session = si; state.sel = null; renderNav(); renderSession(); });
        nav.appendChild(b);
      });
      if (cap.sessionsOmitted) add(nav, h('div', 'omitted', cap.sessionsOmitted + ' more sessions not in the report'));
      if (!cap.sessions.length) add(nav, h('div', 'omitted', 'no RTMP session in this capture'));
    });
  }

  function showDetail(d) {
    var box = document.getElementById('detail');
    if (!box) return;
    box.hidden = false;
    box.textContent = '';
    var title = h('div', 'title');
    add(title, h('span', 'sev ' + d.severity, d.severity), document.createTextNode(' '), h('span', 'code', d.code));
    add(box, title, h('p', 'message', d.message));
    if (d.explain) add(box, h('p', 'explain', d.explain));
    var where = [];
    if (d.frame !== null) where.push('frame ' + d.frame);
    if (d.t !== null) where.push('at ' + fmtT(d.t));
    if (d.dir) where.push(d.dir === 'c2s' ? 'client → server' : 'server → client');
    if (where.length) add(box, h('p', 'where', where.join(' · ')));
  }

  function select(t, diagIndex, rowIndex) {
    var s = current();
    state.sel = { t: t, diag: diagIndex, row: rowIndex };
    document.querySelectorAll('.diags button').forEach(function (b) {
      b.classList.toggle('selected', Number(b.getAttribute('data-diag')) === diagIndex);
    });
    var target = null;
    document.querySelectorAll('.lrow').forEach(function (r) {
      var ri = Number(r.getAttribute('data-row'));
      var di = r.getAttribute('data-diag');
      var on = diagIndex !== null ? di !== null && Number(di) === diagIndex : ri === rowIndex;
      r.classList.toggle('selected', on);
      if (on) target = r;
    });
    if (target) {
      var box = target.parentNode;
      box.scrollTop = Math.max(0, target.offsetTop - box.clientHeight / 2);
    }
    if (diagIndex !== null) showDetail(s.diagnostics[diagIndex]);
    state.plots.forEach(function (u) { u.redraw(false); });
  }

  function current() { return model.captures[state.capture].sessions[state.session]; }

  function renderLadder(s) {
    var box = h('div', 'ladder');
    var head = h('div', 'lhead');
    var ends = h('div', 'ends');
    add(ends, h('span', null, 'client'), h('span', null, 'server'));
    add(head, h('div', 'when', 'time'), ends);
    box.appendChild(head);
    s.ladder.forEach(function (e, i) {
      var row = h('div', 'lrow k-' + e.kind);
      row.setAttribute('data-row', String(i));
      if (e.diag !== null) row.setAttribute('data-diag', String(e.diag));
      var when = h('div', 'when', e.t === null ? '' : e.t.toFixed(3));
      when.title = e.frame === null ? '' : 'frame ' + e.frame;
      var lane = h('div', 'lane');
      if (e.kind === 'diagnostic') {
        var d = s.diagnostics[e.diag];
        var line = h('div', 'diagrow');
        add(line, h('span', 'sev ' + d.severity, d.severity), document.createTextNode(' '), h('span', 'code', d.code));
        add(lane, line, h('div', 'note', d.message));
      } else {
        var arrow = h('div', 'arrow ' + (e.dir || 'c2s'));
        var lbl = h('span', 'lbl');
        add(lbl, h('b', null, e.label));
        if (e.latencyMs !== null) add(lbl, h('span', 'lat', e.latencyMs + ' ms'));
        add(arrow, lbl, h('span', 'shaft'));
        add(lane, arrow);
        if (e.note) add(lane, h('div', 'note', e.note));
        lane.title = e.label + (e.note ? ' — ' + e.note : '') + (e.frame !== null ? ' (frame ' + e.frame + ')' : '');
      }
      add(row, when, lane);
      row.addEventListener('click', function () { select(e.t, e.diag, i); });
      box.appendChild(row);
    });
    if (s.ladderOmitted) add(box, h('div', 'omitted', s.ladderOmitted + ' more messages not drawn (the ladder keeps the first rows; diagnostics are all shown)'));
    if (!s.ladder.length) add(box, h('div', 'omitted', 'nothing to draw'));
    return box;
  }

  function seriesOpts(se, color) {
    var o = { label: se.label, stroke: color, width: 1.5, spanGaps: se.style === 'line' };
    if (se.style === 'step') { o.paths = uPlot.paths.stepped({ align: 1 }); o.spanGaps = true; }
    if (se.style === 'points') { o.paths = function () { return null; }; o.points = { show: true, size: 4, stroke: color, fill: color }; }
    if (se.style === 'marker') { o.paths = function () { return null; }; o.points = { show: true, size: 10, width: 2, stroke: css('--error'), fill: 'transparent' }; o.stroke = css('--error'); }
    return o;
  }

  function renderPlot(container, s, p) {
    var pal = palette();
    var fg = css('--fg');
    var grid = css('--line');
    var width = Math.max(300, container.clientWidth - 18);
    var axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    var opts = {
      width: width,
      height: 200,
      cursor: { sync: { key: 'session-' + s.session }, drag: { x: true, y: false } },
      scales: { x: { time: false } },
      axes: [
        Object.assign({}, axis, { values: function (u, vals) { return vals.map(function (v) { return v + ' s'; }); } }),
        Object.assign({}, axis, { size: 60, values: function (u, vals) { return vals.map(fmtNum); } }),
      ],
      series: [{ label: 'time', value: function (u, v) { return v === null || v === undefined ? '' : v.toFixed(3) + ' s'; } }].concat(
        p.series.map(function (se, i) { return seriesOpts(se, pal[i % pal.length]); })),
      hooks: { draw: [function (u) { drawMarks(u, s); }] },
    };
    var data = [s.x].concat(p.series.map(function (se) { return se.values; }));
    var u = new uPlot(opts, data, container);
    u.root.setAttribute('data-kind', p.kind);
    // A click on a diagnostic's tick (or within 6 px of its time) selects it.
    u.over.addEventListener('click', function (ev) {
      var best = null;
      var bestPx = 6;
      s.diagnostics.forEach(function (d, i) {
        if (d.t === null) return;
        var px = Math.abs(u.valToPos(d.t, 'x') - ev.offsetX);
        if (px < bestPx) { bestPx = px; best = i; }
      });
      if (best !== null) select(s.diagnostics[best].t, best, null);
    });
    return u;
  }

  // Diagnostics as ticks along the top of every plot; the selection as a line across.
  function drawMarks(u, s) {
    var ctx = u.ctx;
    var top = u.bbox.top;
    var bottom = u.bbox.top + u.bbox.height;
    ctx.save();
    s.diagnostics.forEach(function (d) {
      if (d.t === null) return;
      var x = Math.round(u.valToPos(d.t, 'x', true));
      if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
      ctx.strokeStyle = css('--' + d.severity);
      ctx.lineWidth = 2 * devicePixelRatio;
      ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top + 8 * devicePixelRatio); ctx.stroke();
    });
    if (state.sel && state.sel.t !== null) {
      var sx = Math.round(u.valToPos(state.sel.t, 'x', true));
      ctx.strokeStyle = state.sel.diag !== null ? css('--' + s.diagnostics[state.sel.diag].severity) : css('--accent');
      ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
      ctx.lineWidth = 1.5 * devicePixelRatio;
      ctx.beginPath(); ctx.moveTo(sx, top); ctx.lineTo(sx, bottom); ctx.stroke();
    }
    ctx.restore();
  }

  function renderSession() {
    state.plots.forEach(function (u) { u.destroy(); });
    state.plots = [];
    var main = document.getElementById('main');
    main.textContent = '';
    var cap = model.captures[state.capture];
    if (!cap || !cap.sessions.length) { add(main, h('p', 'empty', 'No RTMP session in the capture.')); return; }
    var s = current();
    add(main, h('h2', null, 'Session ' + s.title));
    var cards = h('div', 'cards');
    var sc = h('div', 'card');
    add(sc, h('h4', null, 'session'), kvTable(s.facts));
    cards.appendChild(sc);
    s.streams.forEach(function (st) {
      var c = h('div', 'card');
      add(c, h('h4', null, st.label), kvTable(st.facts));
      cards.appendChild(c);
    });
    main.appendChild(cards);

    add(main, h('h3', null, 'Diagnostics'));
    var detail = h('div');
    detail.id = 'detail';
    detail.hidden = true;
    if (s.diagnostics.length) {
      var ul = h('ul', 'diags');
      s.diagnostics.forEach(function (d, i) {
        var b = h('button', 'diag');
        b.setAttribute('data-diag', String(i));
        add(b, h('span', 'sev ' + d.severity, d.severity), h('span', 'code', d.code), h('span', 'msg', d.message), h('span', 'when', d.t === null ? '' : fmtT(d.t)));
        b.addEventListener('click', function () { select(d.t, i, null); });
        add(ul, add(h('li'), b));
      });
      main.appendChild(ul);
      if (s.diagnosticsOmitted) add(main, h('div', 'omitted', s.diagnosticsOmitted + ' more diagnostics not listed'));
    } else {
      add(main, h('p', 'empty', 'No diagnostics.'));
    }
    main.appendChild(detail);

    var split = h('div', 'split');
    var left = h('div');
    add(left, h('h3', null, 'Ladder'), renderLadder(s));
    var right = h('div', 'plots');
    add(right, h('h3', null, 'Plots'));
    add(split, left, right);
    main.appendChild(split);
    if (!s.plots.length) add(right, h('p', 'empty', s.plotsOmitted || 'Nothing to plot in this session.'));
    s.plots.forEach(function (p) {
      var box = h('div', 'plot');
      box.setAttribute('data-kind', p.kind);
      var title = h('h4', null, p.title + ' ');
      add(title, h('span', 'unit', '(' + p.unit + ')'));
      add(box, title);
      right.appendChild(box);
      state.plots.push(renderPlot(box, s, p));
    });
    if (state.sel) select(state.sel.t, state.sel.diag, state.sel.row);
  }

  var resizeTimer = null;
  window.addEventListener('resize', function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(renderSession, 150);
  });

  renderNav();
  renderSession();
  // For tests and the curious: the current session's uPlot instances.
  window.rtmpscopeReport = { plots: function () { return state.plots; } };
  // Milliseconds from navigation start until the page is drawn (a test and a measurement read it).
  root.setAttribute('data-ready', String(Math.round(performance.now())));
})();
`;
