// UI benchmark: the web UI in headless Chromium (Debian's, driven by playwright-core).
//
// A server process (bench/internal/ui-server.ts: in-memory store, query handler, packages/ui/dist)
// holds one generated trace of each size (realistic spans: 10-15 attributes, events, errors).
// For each size this process opens a fresh page at #/trace/<id> and takes the time from
// navigation start to the interactive timeline (the page's `tracelight:timeline-interactive`
// mark: rows rendered, keyboard and mouse handlers attached), median of --rounds. Then, on the
// trace of every size, it scrolls the timeline (a constant speed, one step per frame, for
// --scroll-ms) and records the frame times (requestAnimationFrame deltas) and the main thread's
// busy time per frame (the target applies to the largest).
// Targets: 100k spans interactive <= 2 s; scroll p95 frame time <= 33 ms.
//
//   node bench/ui.ts [--sizes 1000,10000,100000] [--rounds 3] [--scroll-ms 4000] [--no-build] [--note '...']
//
// Builds the packages (tsc -b) and the UI (vite build) first, unless --no-build. Needs Debian's
// chromium (scripts/ensure-chromium.sh). Writes bench/results/ui.json and prints a table.
import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const HOOKS = join(ROOT, 'bench/internal/query-hooks.mjs');
const CHROMIUM = process.env.TRACELIGHT_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TARGET_INTERACTIVE_MS = 2000;
const TARGET_SCROLL_P95_MS = 33;

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,10000,100000' },
    rounds: { type: 'string', default: '3' },
    'scroll-ms': { type: 'string', default: '4000' },
    'scroll-px-per-frame': { type: 'string', default: '96' },
    'no-build': { type: 'boolean', default: false },
    note: { type: 'string', default: '' },
    out: { type: 'string', default: join(ROOT, 'bench/results/ui.json') },
  },
});
const sizes = values.sizes.split(',').map(Number);
const rounds = Number(values.rounds);

function build(): void {
  const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', join(ROOT, 'packages/query'), join(ROOT, 'packages/collector')], { cwd: ROOT, stdio: 'inherit' });
  if (tsc.status !== 0) throw new Error('building the packages failed');
  const vite = spawnSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: join(ROOT, 'packages/ui'), stdio: 'inherit' });
  if (vite.status !== 0) throw new Error('building the UI failed');
}

interface ServerInfo {
  url: string;
  traces: Record<string, string>;
}

interface ServerSide {
  /** The skeleton the UI opens a trace with: body size, time to the last byte. */
  skeletonBytes: number;
  skeletonMs: number;
  /** The full trace (OTLP/JSON; what find-in-trace loads on demand). */
  jsonBytes: number;
  serverMs: number;
  /** One span's details (what the detail panel asks for), the middle row's span. */
  spanMs: number;
}

/** The trace's API answers fetched from Node: sizes, and the server's time to the last byte. */
async function serverSide(url: string, traceId: string): Promise<ServerSide> {
  const timed = async (path: string) => {
    const t0 = performance.now();
    const res = await fetch(`${url}${path}`);
    if (!res.ok) throw new Error(`${path}: ${res.status}`);
    const body = await res.arrayBuffer();
    return { body, ms: round1(performance.now() - t0) };
  };
  const sk = await timed(`api/tl/traces/${traceId}/skeleton`);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(sk.body, 8, new DataView(sk.body).getUint32(4, true)))) as { spanCount: number };
  // The span ids section follows the two float64 sections (docs/api.md).
  const base = (8 + new DataView(sk.body).getUint32(4, true) + 7) & ~7;
  const mid = Math.floor(header.spanCount / 2);
  const idAt = base + 16 * header.spanCount + 8 * mid;
  const spanId = [...new Uint8Array(sk.body, idAt, 8)].map((b) => b.toString(16).padStart(2, '0')).join('');
  const one = await timed(`api/tl/traces/${traceId}/spans/${spanId}`);
  const full = await timed(`api/tl/traces/${traceId}`);
  return { skeletonBytes: sk.body.byteLength, skeletonMs: sk.ms, spanMs: one.ms, jsonBytes: full.body.byteLength, serverMs: full.ms };
}

function startServer(): Promise<{ child: ChildProcess; info: ServerInfo }> {
  const child = spawn(process.execPath, ['--import', HOOKS, join(ROOT, 'bench/internal/ui-server.ts'), '--sizes', sizes.join(',')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ child, info: JSON.parse(line) as ServerInfo });
    });
    child.once('exit', (code) => reject(new Error(`the UI server exited with ${code} before it was ready`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

const round1 = (v: number) => Math.round(v * 10) / 10;

interface OpenResult extends ServerSide {
  spans: number;
  /** Navigation start to the interactive timeline, ms: the median, and every round. */
  interactiveMs: number;
  roundsMs: number[];
  /** In the worker, median: fetch + decode of the skeleton, and building the model. */
  fetchDecodeMs: number;
  modelMs: number;
  /** Marks of the last round, ms after navigation start: app script running, trace asked of the worker, model received, interactive. */
  phases: Record<string, number | null>;
  /** Rows the page reports (every span, nothing folded). */
  rows: number;
}

async function openTrace(browser: Browser, url: string, traceId: string, spans: number, server: ServerSide): Promise<OpenResult> {
  const times: number[] = [];
  const fetches: number[] = [];
  const models: number[] = [];
  let rows = 0;
  let phases: Record<string, number | null> = {};
  for (let i = 0; i < rounds; i++) {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    try {
      await page.goto(`${url}#/trace/${traceId}`, { waitUntil: 'commit' });
      await page.waitForSelector('[data-testid=timeline][data-ready=true]', { timeout: 120_000 });
      const m = (await page.evaluate(`(() => {
        const mark = performance.getEntriesByName('tracelight:timeline-interactive')[0];
        const el = document.querySelector('[data-testid=trace-page]');
        const tl = document.querySelector('[data-testid=timeline]');
        const at = (name) => { const e = performance.getEntriesByName(name)[0]; return e ? Math.round(e.startTime) : null; };
        return { at: mark ? mark.startTime : NaN, fetch: Number(el.dataset.fetchMs), model: Number(el.dataset.modelMs), rows: Number(tl.dataset.visibleRows),
          phases: { appStart: at('tracelight:app-start'), requested: at('tracelight:trace-requested'), received: at('tracelight:trace-received'), interactive: at('tracelight:timeline-interactive') } };
      })()`)) as { at: number; fetch: number; model: number; rows: number; phases: Record<string, number | null> };
      phases = m.phases;
      times.push(m.at);
      fetches.push(m.fetch);
      models.push(m.model);
      rows = m.rows;
    } finally {
      await context.close();
    }
  }
  const med = (list: number[]) => round1(quantile([...list].sort((a, b) => a - b), 0.5));
  return { spans, ...server, interactiveMs: med(times), roundsMs: times.map(round1), fetchDecodeMs: med(fetches), modelMs: med(models), phases, rows };
}

interface ScrollResult {
  spans: number;
  frames: number;
  pxPerFrame: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Frames that took longer than two vsync intervals (> 33.4 ms). */
  longFrames: number;
  scrolledPx: number;
  /**
   * Main-thread time per frame while scrolling (Chromium's Performance.getMetrics deltas over the
   * frames): all tasks, script, layout, style. Busy time rather than wall time, so less at the
   * mercy of other processes than the frame times; it should not grow with the span count.
   */
  busyMsPerFrame: { task: number; script: number; layout: number; style: number };
}

async function scrollTrace(browser: Browser, url: string, traceId: string, spans: number): Promise<ScrollResult> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  try {
    await page.goto(`${url}#/trace/${traceId}`);
    await page.waitForSelector('[data-testid=timeline][data-ready=true]', { timeout: 120_000 });
    // Let the minimap and anything deferred settle before measuring.
    await page.waitForTimeout(1000);
    const px = Number(values['scroll-px-per-frame']);
    const ms = Number(values['scroll-ms']);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const metrics = async () => {
      const { metrics: list } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
      return Object.fromEntries(list.map((m) => [m.name, m.value])) as Record<string, number>;
    };
    const before = await metrics();
    const r = (await page.evaluate(`new Promise((resolve) => {
      const el = document.querySelector('[data-testid=timeline]');
      const deltas = [];
      let last = performance.now();
      const start = last;
      const step = (now) => {
        deltas.push(now - last);
        last = now;
        el.scrollTop += ${px};
        if (now - start < ${ms} && el.scrollTop + el.clientHeight < el.scrollHeight) requestAnimationFrame(step);
        else resolve({ deltas: deltas.slice(1), scrolled: el.scrollTop });
      };
      requestAnimationFrame((t) => { last = t; requestAnimationFrame(step); });
    })`)) as { deltas: number[]; scrolled: number };
    const after = await metrics();
    const sorted = [...r.deltas].sort((a, b) => a - b);
    const per = (name: string) => round1(((after[name] - before[name]) * 1000) / Math.max(1, r.deltas.length));
    return {
      spans,
      frames: sorted.length,
      pxPerFrame: px,
      p50: round1(quantile(sorted, 0.5)),
      p95: round1(quantile(sorted, 0.95)),
      p99: round1(quantile(sorted, 0.99)),
      max: round1(sorted[sorted.length - 1] ?? NaN),
      longFrames: sorted.filter((d) => d > 33.4).length,
      scrolledPx: Math.round(r.scrolled),
      busyMsPerFrame: { task: per('TaskDuration'), script: per('ScriptDuration'), layout: per('LayoutDuration'), style: per('RecalcStyleDuration') },
    };
  } finally {
    await context.close();
  }
}

async function main() {
  if (!values['no-build']) build();
  const { child, info } = await startServer();
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
    // A warm-up page load (compiles the bundle, starts the worker machinery once).
    await openTrace(browser, info.url, info.traces[sizes[0]], sizes[0], { skeletonBytes: 0, skeletonMs: 0, jsonBytes: 0, serverMs: 0, spanMs: 0 });
    const open: OpenResult[] = [];
    for (const n of sizes) {
      const r = await openTrace(browser, info.url, info.traces[n], n, await serverSide(info.url, info.traces[n]));
      open.push(r);
      console.log(`opened ${n} spans: ${r.interactiveMs} ms (rounds ${r.roundsMs.join(', ')}; last round: ${JSON.stringify(r.phases)})`);
    }
    // Every size, smallest first: per-frame work that grows with the span count shows as a trend.
    const scrolls: ScrollResult[] = [];
    for (const n of sizes) scrolls.push(await scrollTrace(browser, info.url, info.traces[n], n));
    const scroll = scrolls[scrolls.length - 1];
    const at100k = open.find((o) => o.spans === 100_000)?.interactiveMs;
    const result = {
      benchmark: 'ui',
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', loadAverage1m: round1(loadavg()[0]), node: process.version, chromium: browser.version() },
      note: values.note,
      targets: { interactive100kMs: TARGET_INTERACTIVE_MS, scrollP95Ms: TARGET_SCROLL_P95_MS },
      open,
      scroll,
      scrollBySize: scrolls,
      verdict: {
        interactive100k: at100k ?? null,
        interactive100kOk: at100k === undefined ? null : at100k <= TARGET_INTERACTIVE_MS,
        scrollP95Ok: scroll.p95 <= TARGET_SCROLL_P95_MS,
      },
    };
    mkdirSync(dirname(values.out), { recursive: true });
    writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
    console.log('\nUI benchmark (headless Chromium)');
    console.log('spans     skeleton MB   skeleton ms   span ms   full JSON MB   full ms   interactive ms   worker fetch+decode ms   worker model ms');
    for (const o of open) {
      console.log(
        `${String(o.spans).padEnd(9)} ${(o.skeletonBytes / 1e6).toFixed(2).padStart(11)}   ${String(o.skeletonMs).padStart(11)}   ${String(o.spanMs).padStart(7)}   ${(o.jsonBytes / 1e6).toFixed(1).padStart(12)}   ${String(o.serverMs).padStart(7)}   ${String(o.interactiveMs).padStart(14)}   ${String(o.fetchDecodeMs).padStart(22)}   ${String(o.modelMs).padStart(15)}`,
      );
    }
    console.log('');
    for (const sc of scrolls) {
      const b = sc.busyMsPerFrame;
      console.log(
        `scroll ${sc.spans} spans, ${sc.frames} frames at ${sc.pxPerFrame} px/frame: p50 ${sc.p50} ms, p95 ${sc.p95} ms, p99 ${sc.p99} ms, max ${sc.max} ms, ${sc.longFrames} frames > 33 ms; main thread per frame: tasks ${b.task} ms (script ${b.script}, layout ${b.layout}, style ${b.style})`,
      );
    }
    const verdict = (ok: boolean | null) => (ok === null ? 'not measured' : ok ? 'met' : 'NOT met');
    console.log(`targets: 100k interactive <= ${TARGET_INTERACTIVE_MS} ms: ${verdict(result.verdict.interactive100kOk)}; scroll p95 <= ${TARGET_SCROLL_P95_MS} ms (on ${scroll.spans} spans): ${verdict(result.verdict.scrollP95Ok)}`);
    console.log(`written to ${values.out}`);
  } finally {
    await browser?.close();
    await stop(child);
  }
}

await main();
