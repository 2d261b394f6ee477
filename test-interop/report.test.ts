/**
 * The HTML report in a real browser: Debian's chromium driven by playwright-core opens a report
 * made from committed captures, with no console error and no request beyond the file itself
 * (the page's CSP allows nothing else); every plot of every session is drawn with data (coloured
 * pixels inside the plot area, not just a canvas); clicking a diagnostic shows its message and
 * explanation and selects its ladder row; the theme follows prefers-color-scheme and the toggle.
 * Screenshots go to the CI log folder ($RTMPSCOPE_CI_LOGS, else .ci/logs/).
 * Skips, saying why, where chromium is not installed (`npm test` needs no Debian package).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CAPTURES, CLI, ROOT } from './tools.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const LOGS = process.env['RTMPSCOPE_CI_LOGS'] ?? join(ROOT, '.ci', 'logs');
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (Debian package chromium; .ci/run installs it)`;

/**
 * In the page (plain JS: the project's TypeScript has no DOM types): per plot, the pixels inside
 * uPlot's plot area, below the 12 px where diagnostics are ticked, that are strongly coloured
 * (series strokes; grid and axes are grey).
 */
const COLOURED_PIXELS = `[...document.querySelectorAll('.plot')].map((box) => {
  const canvas = box.querySelector('canvas');
  const over = box.querySelector('.u-over');
  const dpr = canvas.width / canvas.clientWidth;
  const x = Math.round(over.offsetLeft * dpr), y = Math.round((over.offsetTop + 12) * dpr);
  const w = Math.round(over.offsetWidth * dpr), h = Math.round((over.offsetHeight - 12) * dpr);
  const px = canvas.getContext('2d').getImageData(x, y, w, h).data;
  let coloured = 0;
  for (let k = 0; k < px.length; k += 4) {
    const r = px[k], g = px[k + 1], b = px[k + 2];
    if (px[k + 3] > 200 && Math.max(r, g, b) - Math.min(r, g, b) > 90) coloured++;
  }
  return { kind: box.getAttribute('data-kind'), coloured };
})`;

type Model = { captures: { sessions: { title: string; plots: { kind: string; series: { values: (number | null)[] }[] }[]; diagnostics: { message: string; explain: string; t: number | null }[] }[] }[] };

test('report: opens in chromium without errors; every plot drawn with data; diagnostics clickable; light and dark', { skip, timeout: 60_000 }, async (t) => {
  const { chromium } = await import('playwright-core');
  const work = mkdtempSync(join(tmpdir(), 'rtmpscope-report-browser-'));
  mkdirSync(LOGS, { recursive: true });
  const file = join(work, 'report.html');
  // A path relative to the checkout: it is the capture's name in the page (and the README's picture).
  execFileSync(process.execPath, [CLI, 'report', relative(ROOT, join(CAPTURES, 'ffmpeg-nginx-publish-play-lossy.pcap')), '-o', file], { stdio: 'pipe', cwd: ROOT });
  const ctx = await chromium.launchPersistentContext(join(work, 'profile'), { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1400, height: 1000 } });
  try {
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    const url = pathToFileURL(file).href;
    page.on('request', (r) => {
      if (r.url() !== url) problems.push(`request: ${r.url()}`);
    });
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto(url);
    await page.waitForSelector('html[data-ready]', { timeout: 10_000 });
    t.diagnostic(`drawn ${await page.getAttribute('html', 'data-ready')} ms after navigation start`);
    const model = JSON.parse((await page.textContent('#report-data')) ?? '') as Model;
    const sessions = model.captures[0]!.sessions;
    assert.equal(sessions.length, 3);

    const buttons = page.locator('nav button.session[data-session]');
    assert.equal(await buttons.count(), sessions.length);
    for (let i = 0; i < sessions.length; i++) {
      await buttons.nth(i).click();
      const s = sessions[i]!;
      assert.ok(s.plots.length >= 5, `session ${i + 1}: ${s.plots.map((p) => p.kind).join()}`);
      assert.equal(await page.locator('.plot').count(), s.plots.length);
      // Each plot's canvas has series-coloured pixels inside the plot area (below the diagnostic ticks).
      const drawn = (await page.evaluate(COLOURED_PIXELS)) as { kind: string; coloured: number }[];
      for (const d of drawn) assert.ok(d.coloured > 20, `session ${i + 1} plot ${d.kind}: ${d.coloured} coloured pixels`);
      for (const p of s.plots)
        assert.ok(
          p.series.every((se) => se.values.some((v) => v !== null)),
          `${p.kind} has data`,
        );
      await page.evaluate('window.scrollTo(0, 0)');
      await page.screenshot({ path: join(LOGS, `report-session${i + 1}.png`), fullPage: true });
    }

    // A diagnostic: its message and explanation appear, its ladder row is selected.
    await buttons.nth(0).click();
    // The README's picture (docs/report.png is this file).
    await page.screenshot({ path: join(LOGS, 'report-overview.png') });
    const s0 = sessions[0]!;
    assert.ok(s0.diagnostics.length > 0);
    await page.locator('.diags button').nth(1).click();
    const detail = page.locator('#detail');
    assert.equal(await detail.isVisible(), true);
    const text = (await detail.textContent()) ?? '';
    assert.ok(text.includes(s0.diagnostics[1]!.message) && text.includes(s0.diagnostics[1]!.explain), text);
    assert.equal(await page.locator('.lrow.selected[data-diag="1"]').count(), 1);
    // And from the ladder: a diagnostic row selects its diagnostic.
    await page.locator('.lrow[data-diag="0"]').click();
    assert.ok(((await detail.textContent()) ?? '').includes(s0.diagnostics[0]!.message));
    assert.equal(await page.locator('.diags button.selected[data-diag="0"]').count(), 1);
    // And from a plot: a click at a diagnostic's time selects it (the first one at that time).
    const x = (model.captures[0]!.sessions[0] as unknown as { x: number[] }).x;
    const pick = s0.diagnostics.findIndex((d, i) => i > 0 && d.t !== null && d.t > x[0]! && d.t < x[x.length - 1]! && d.t !== s0.diagnostics[0]!.t);
    assert.ok(pick > 0, 'a diagnostic inside the plotted span');
    const at = (await page.evaluate(`(() => {
      const u = window.rtmpscopeReport.plots()[0];
      u.over.scrollIntoView({ block: 'center' });
      const r = u.over.getBoundingClientRect();
      return { x: r.left + u.valToPos(${JSON.stringify(s0.diagnostics[pick]!.t)}, 'x'), y: r.top + r.height / 2 };
    })()`)) as { x: number; y: number };
    await page.mouse.click(at.x, at.y);
    assert.ok(((await detail.textContent()) ?? '').includes(s0.diagnostics[pick]!.message));
    assert.equal(await page.locator(`.diags button.selected[data-diag="${pick}"]`).count(), 1);
    await page.screenshot({ path: join(LOGS, 'report-diagnostic.png') });

    // Light and dark: the system preference, then the toggle.
    const bg = () => page.evaluate('getComputedStyle(document.body).backgroundColor');
    assert.equal(await bg(), 'rgb(255, 255, 255)');
    await page.emulateMedia({ colorScheme: 'dark' });
    assert.notEqual(await bg(), 'rgb(255, 255, 255)');
    await page.click('#theme');
    assert.equal(await bg(), 'rgb(255, 255, 255)');
    await page.click('#theme');
    assert.notEqual(await bg(), 'rgb(255, 255, 255)');
    assert.equal(await page.locator('.plot canvas').count(), s0.plots.length, 'plots redrawn after the theme change');
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(LOGS, 'report-dark.png'), fullPage: true });

    assert.deepEqual(problems, []);
  } finally {
    await ctx.close();
    rmSync(work, { recursive: true, force: true });
  }
});
