// The web UI in a real browser (Debian's Chromium via playwright-core) over real traces: the
// OpenTelemetry JS SDK exports them with its OTLP/HTTP exporter to a real `tracelight start`
// (default store, DuckDB), which serves the API and the built UI (packages/ui/dist). The
// tests walk the way people use it: search → scatter/list → trace → span detail → critical path
// → statistics → flame graph → compare → service map → monitor → upload, asserting on what is
// shown. Screenshots of every view land in test-results/ui/ (git-ignored).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageProblems } from './helpers/browser.js';
import { chromiumAvailable, launchChromium, openWatchedPage } from './helpers/browser.js';
import { createTraceSender } from './helpers/otel-traces.js';
import type { Scenario } from './helpers/scenario.js';
import { EXPECTED, sendScenario } from './helpers/scenario.js';
import { ensureUiDist } from './helpers/ui-server.js';
import type { RunningTracelight } from '../e2e/helpers/tracelight.js';
import { startTracelight, stopAllTracelights } from '../e2e/helpers/tracelight.js';

const SHOTS = 'test-results/ui';
let tracelight: RunningTracelight | undefined;
/** The UI's address, e.g. http://127.0.0.1:41234/ */
let url = '';
let browser: Browser | undefined;
let page: Page;
let problems: PageProblems;
let scenario: Scenario;

const hasChromium = chromiumAvailable();

beforeAll(async () => {
  if (!hasChromium) return;
  mkdirSync(SHOTS, { recursive: true });
  ensureUiDist();
  tracelight = await startTracelight();
  url = `${tracelight.apiUrl}/`;
  const sender = createTraceSender(`${tracelight.otlpHttpUrl}/v1/traces`);
  try {
    scenario = await sendScenario(sender);
  } finally {
    await sender.shutdown();
  }
  browser = await launchChromium();
  ({ page, problems } = await openWatchedPage(browser, 15_000));
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await stopAllTracelights();
});

async function go(hash: string): Promise<void> {
  await page.goto(`${url}${hash}`);
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

const text = (selector: string) => page.locator(selector).first().innerText();
const theme = () => page.locator('html').getAttribute('data-theme');
const rowOf = (spanId: string) => page.locator(`[data-testid=timeline] [data-span-id="${spanId}"]`);

describe.skipIf(!hasChromium)('web UI over traces from the OTel JS exporter', () => {
  it('search: list and scatter plot of the matching traces, sortable, filterable by tags', async () => {
    await go('#/search?service=frontend&lookback=1h');
    await page.waitForSelector('[data-testid=trace-list]');
    // frontend takes part in both checkouts, the failing cart request and the 8 health checks.
    expect(await text('[data-testid=result-count]')).toBe('11 traces');
    const fast = page.locator(`[data-testid=trace-list] li[data-trace-id="${scenario.fast.traceId}"]`);
    expect(await fast.locator('.trace-link').innerText()).toBe('frontend: GET /checkout');
    expect(await fast.innerText()).toContain(`${EXPECTED.fastSpans} spans`);
    expect(await fast.locator('.duration').innerText()).toBe('400ms');
    const cart = page.locator(`[data-testid=trace-list] li[data-trace-id="${scenario.cartError.traceId}"]`);
    expect(await cart.locator('.badge-error').innerText()).toContain('3');
    expect(await page.locator('[data-testid=scatter] circle.dot').count()).toBe(11);
    expect(await page.locator('[data-testid=scatter] circle.dot.err').count()).toBe(2);
    await shot('search');

    await page.selectOption('select[aria-label="Sort traces"]', 'duration-desc');
    await page.waitForSelector('[data-testid=trace-list][data-sort=duration-desc]');
    expect(await page.locator('[data-testid=trace-list] li').first().getAttribute('data-trace-id')).toBe(scenario.slow.traceId);
    expect(page.url()).toContain('sort=duration-desc');

    // The form: tags and a minimum duration.
    await page.fill('textarea[name=tags]', 'http.response.status_code=500');
    await page.click('button[type=submit]');
    await expect.poll(() => text('[data-testid=result-count]')).toBe('1 trace');
    expect(await page.locator('[data-testid=trace-list] li').first().getAttribute('data-trace-id')).toBe(scenario.cartError.traceId);
    await page.fill('textarea[name=tags]', '');
    await page.fill('input[name=minDuration]', '300ms');
    await page.click('button[type=submit]');
    await expect.poll(() => text('[data-testid=result-count]')).toBe('2 traces');
    expect(page.url()).toContain('minDuration=300ms');
  });

  it('scatter plot: clicking a dot opens that trace', async () => {
    await go('#/search?lookback=1h&limit=50');
    await page.waitForSelector('[data-testid=scatter] circle.dot');
    await page.locator(`[data-testid=scatter] circle[data-trace-id="${scenario.fast.traceId}"]`).click();
    await page.waitForSelector('[data-testid=trace-title]');
    expect(page.url()).toContain(`#/trace/${scenario.fast.traceId}`);
    expect(await text('[data-testid=trace-title]')).toContain('GET /checkout');
  });

  it('trace view: header facts, every span as a row, service colours, errors marked', async () => {
    await go(`#/trace/${scenario.fast.traceId}`);
    await page.waitForSelector('[data-testid=timeline][data-ready=true]');
    expect(await text('[data-testid=trace-span-count]')).toBe(String(EXPECTED.fastSpans));
    expect(await text('[data-testid=trace-depth]')).toBe(String(EXPECTED.fastDepth));
    expect(await text('[data-testid=trace-services]')).toBe('4');
    expect(await text('[data-testid=trace-error-count]')).toBe('0');
    expect(await text('[data-testid=trace-duration]')).toBe('400ms');
    expect(await page.locator('[data-testid=timeline] .span-row').count()).toBe(EXPECTED.fastSpans);
    const names = await page.locator('[data-testid=timeline] .span-row .op').allInnerTexts();
    expect(names[0]).toBe('GET /checkout');
    expect(names).toContain('deliver confirmation');

    await go(`#/trace/${scenario.cartError.traceId}`);
    await page.waitForSelector('[data-testid=timeline][data-ready=true]');
    expect(await text('[data-testid=trace-error-count]')).toBe('3');
    expect(await page.locator('[data-testid=timeline] .span-row .err-icon').count()).toBe(3);
  });

  it('span detail: attributes, resource, events, status and ids, with copy buttons', async () => {
    const charge = scenario.fast.refs.get('charge')!;
    await go(`#/trace/${scenario.fast.traceId}`);
    await page.waitForSelector('[data-testid=timeline][data-ready=true]');
    await rowOf(charge).click();
    await page.waitForSelector('[data-testid=detail-attributes]');
    expect(page.url()).toContain(`span=${charge}`);
    expect(await text('[data-testid=detail-name]')).toBe('POST /charge');
    expect(await text('[data-testid=detail-service]')).toBe('payment');
    const attrs = await text('[data-testid=detail-attributes]');
    expect(attrs).toContain('payment.amount');
    expect(attrs).toContain('42.5');
    expect(attrs).toContain('EUR');
    expect(await text('[data-testid=detail-resource]')).toContain('1.4.2');
    expect(await text('[data-testid=detail-events]')).toContain('card.authorized');
    expect(await text('[data-testid=detail-overview]')).toContain(charge);
    expect(await page.locator('[data-testid=span-detail] button.copy').count()).toBeGreaterThan(5);
    await shot('trace');

    await go(`#/trace/${scenario.cartError.traceId}`);
    await page.waitForSelector('[data-testid=timeline][data-ready=true]');
    await page.locator('[data-testid=timeline] .span-row', { hasText: 'GET /cart/items' }).click();
    await page.waitForSelector('[data-testid=detail-status]');
    expect(await text('[data-testid=detail-status]')).toBe('error: redis timeout');
    expect(await text('[data-testid=detail-events]')).toContain('exception');
    expect(await text('[data-testid=detail-events]')).toContain('redis GET timed out after 75ms');
  });

  it('span links open the linked trace at the linked span', async () => {
    await go(`#/trace/${scenario.order.traceId}`);
    await page.waitForSelector('[data-testid=timeline][data-ready=true]');
    await page.locator('[data-testid=timeline] .span-row', { hasText: 'process order' }).click();
    const link = page.locator('[data-testid=span-link]');
    await link.waitFor();
    const charge = scenario.fast.refs.get('charge')!;
    expect(await link.getAttribute('href')).toBe(`#/trace/${scenario.fast.traceId}?span=${charge}`);
    await link.click();
    await page.waitForSelector(`[data-testid=timeline][data-ready=true] [data-span-id="${charge}"].selected`);
    expect(await text('[data-testid=detail-name]')).toBe('POST /charge');
  });

  it('critical path: marked on the timeline, parallel work left out, can be turned off', async () => {
    await go(`#/trace/${scenario.fast.traceId}`);
    await page.waitForSelector('[data-testid=timeline][data-ready=true]');
    const critical = await page.locator('[data-testid=timeline] .span-row[data-critical="1"]').count();
    expect(critical).toBe(EXPECTED.fastSpans - 1);
    expect(await rowOf(scenario.fast.refs.get('cache')!).getAttribute('data-critical')).toBeNull();
    // 19 segments (worked out by hand in scenario.ts): the cache call ran inside the query's time.
    expect(await page.locator('[data-testid=timeline] .cp').count()).toBe(19);
    await page.click('[data-testid=critical-path-toggle]');
    await expect.poll(() => page.url()).toContain('cp=0');
    expect(await page.locator('[data-testid=timeline] .cp').count()).toBe(0);
    await page.click('[data-testid=critical-path-toggle]');
    expect(await page.locator('[data-testid=timeline] .cp').count()).toBe(19);
  });

  it('find in trace highlights matches and steps through them; the search is in the URL', async () => {
    await go(`#/trace/${scenario.fast.traceId}`);
    await page.waitForSelector('[data-testid=timeline][data-ready=true]');
    await page.fill('[data-testid=find-input]', 'payment');
    // POST payment (name), POST /charge and db INSERT payments (service payment).
    await expect.poll(() => text('[data-testid=find-count]')).toMatch(/3 matches/);
    expect(page.url()).toContain('find=payment');
    expect(await page.locator('[data-testid=timeline] .span-row.match, [data-testid=timeline] .span-row.selected').count()).toBe(3);
    const first = await page.locator('[data-testid=timeline] .span-row.selected').getAttribute('data-span-id');
    await page.click('[aria-label="Next match"]');
    await expect.poll(() => page.url()).not.toContain(`span=${first}`);
    expect(await text('[data-testid=find-count]')).toMatch(/^2 of 3 matches/);
    // An attribute value finds its span too.
    await page.fill('[data-testid=find-input]', 'db.system=redis');
    await expect.poll(() => text('[data-testid=find-count]')).toBe('1 of 1 match');
    expect(page.url()).toContain(`span=${scenario.fast.refs.get('cache')}`);
  });

  it('keyboard: move, fold and unfold, open the detail', async () => {
    await go(`#/trace/${scenario.fast.traceId}`);
    await page.waitForSelector('[data-testid=timeline][data-ready=true]');
    await page.focus('[data-testid=timeline]');
    await page.keyboard.press('Home');
    const rows = page.locator('[data-testid=timeline] .span-row');
    const rootId = await rows.first().getAttribute('data-span-id');
    await expect.poll(() => page.url()).toContain(`span=${rootId}`);
    await page.keyboard.press('ArrowDown');
    const secondId = await rows.nth(1).getAttribute('data-span-id');
    await expect.poll(() => page.url()).toContain(`span=${secondId}`);
    expect(await text('[data-testid=detail-name]')).toBe('POST checkout');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowLeft');
    await page.waitForSelector('[data-testid=timeline][data-visible-rows="1"]');
    await page.keyboard.press('ArrowRight');
    await page.waitForSelector(`[data-testid=timeline][data-visible-rows="${EXPECTED.fastSpans}"]`);
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid=span-detail]', { state: 'detached' });
  });

  it('statistics: per service and per operation, with the share of the critical path', async () => {
    await go(`#/trace/${scenario.fast.traceId}?view=stats`);
    await page.waitForSelector('[data-testid=stats-services]');
    const services = page.locator('[data-testid=stats-services] tbody tr');
    expect(await services.count()).toBe(4);
    // Sorted by time on the critical path: payment 190 ms, checkout 130, frontend 50, email 30 (of 400).
    expect(await services.allInnerTexts()).toEqual([
      expect.stringMatching(/^payment\s+2\s+0\s.*190ms \(48%\)$/s),
      expect.stringMatching(/^checkout\s+5\s+0\s.*130ms \(33%\)$/s),
      expect.stringMatching(/^frontend\s+3\s+0\s.*50ms \(13%\)$/s),
      expect.stringMatching(/^email\s+1\s+0\s.*30ms \(7.5%\)$/s),
    ]);
    for (const [service, ms] of Object.entries(EXPECTED.fastCriticalMs)) {
      const share = await services.filter({ hasText: service }).locator('td[data-share]').getAttribute('data-share');
      expect(Number(share)).toBeCloseTo(ms / 400, 3);
    }
    expect(await page.locator('[data-testid=stats-operations] tbody tr').count()).toBe(EXPECTED.fastSpans);
    const cache = page.locator('[data-testid=stats-operations] tbody tr', { hasText: 'cache GET cart' });
    expect(await cache.locator('td[data-share]').getAttribute('data-share')).toBe('0.0000');
    await shot('statistics');
  });

  it('flame graph: spans merged by call path; click zooms in', async () => {
    await go(`#/trace/${scenario.fast.traceId}?view=flame`);
    const canvas = page.locator('[data-testid=flame-canvas]');
    await canvas.waitFor();
    expect(await canvas.getAttribute('data-nodes')).toBe(String(EXPECTED.fastSpans));
    await canvas.hover({ position: { x: 20, y: 8 } });
    expect(await text('[data-testid=flame-info]')).toContain('GET /checkout');
    await shot('flame-graph');
    await canvas.click({ position: { x: 20, y: 28 } });
    await page.getByRole('button', { name: 'Reset zoom' }).waitFor();
  });

  it('compare: two traces as a merged tree with added, removed, slower and faster spans', async () => {
    // Picked in the search results, as people do.
    await go('#/search?service=frontend&lookback=1h&minDuration=300ms');
    await page.waitForSelector('[data-testid=trace-list] li');
    await page.check(`[data-testid=trace-list] li[data-trace-id="${scenario.fast.traceId}"] input[type=checkbox]`);
    await page.check(`[data-testid=trace-list] li[data-trace-id="${scenario.slow.traceId}"] input[type=checkbox]`);
    await page.getByRole('button', { name: /^Compare/ }).click();
    await page.waitForSelector('[data-testid=compare-rows] .cmp-row');
    const [a, b] = page.url().split('#/compare/')[1].split('/');
    expect(new Set([a, b])).toEqual(new Set([scenario.fast.traceId, scenario.slow.traceId]));
    await go(`#/compare/${scenario.fast.traceId}/${scenario.slow.traceId}`);
    await page.waitForSelector('[data-testid=compare-rows] .cmp-row');
    const count = async (change: string) => Number(await page.locator(`[data-testid=compare-legend] [data-change=${change}]`).getAttribute('data-count'));
    expect(await count('added')).toBe(1);
    expect(await count('removed')).toBe(3);
    expect(await count('slower')).toBe(6);
    expect(await count('same')).toBe(2);
    expect(await page.locator('[data-testid=compare-rows] .cmp-row[data-name="payment:fraud check"]').getAttribute('data-change')).toBe('added');
    expect(await page.locator('[data-testid=compare-rows] .cmp-row[data-name="email:deliver confirmation"]').getAttribute('data-change')).toBe('removed');
    expect(await page.locator('[data-testid=compare-rows] .cmp-row[data-name="payment:POST /charge"]').getAttribute('data-change')).toBe('slower');
    await shot('compare');
  });

  it('service map: services as nodes, call counts on the edges', async () => {
    await go('#/map?lookback=1h');
    await page.waitForSelector('[data-testid=service-map]');
    const nodes = await page.locator('[data-testid=service-map] [data-service]').evaluateAll((els) => els.map((e) => e.getAttribute('data-service')));
    // Databases are nodes too (the service graph names them by db.system).
    expect(nodes.sort()).toEqual(['cart', 'checkout', 'email', 'frontend', 'orders', 'payment', 'postgresql', 'redis']);
    expect(await page.locator('[data-edge="frontend>checkout"]').getAttribute('data-calls')).toBe('2');
    expect(await page.locator('[data-edge="checkout>payment"]').getAttribute('data-calls')).toBe('2');
    expect(await page.locator('[data-edge="frontend>cart"]').getAttribute('data-calls')).toBe('1');
    expect(await page.locator('[data-edge="checkout>postgresql"]').getAttribute('data-calls')).toBe('2');
    expect(await page.locator('[data-edge="checkout>payment"] text').textContent()).toBe('2 calls');
    await shot('service-map');
    await page.locator('[data-service=checkout]').click();
    await page.waitForSelector('[data-testid=map-side]');
    expect(await text('[data-testid=map-side]')).toContain('→ payment');
    expect(page.url()).toContain('service=checkout');
  });

  it('monitor: request rate, error rate and latency per service and operation', async () => {
    await go('#/monitor?service=frontend&lookback=1h');
    await page.waitForSelector('[data-testid=monitor-operations] tbody tr');
    const ops = page.locator('[data-testid=monitor-operations] tbody tr');
    expect(await ops.evaluateAll((els) => els.map((e) => e.getAttribute('data-operation')))).toEqual(['GET /cart', 'GET /checkout', 'GET /health']);
    expect(await ops.filter({ hasText: 'GET /cart' }).locator('td').nth(2).innerText()).toBe('100%');
    expect(await ops.filter({ hasText: 'GET /checkout' }).locator('td').nth(2).innerText()).toBe('0%');
    // Both checkouts (400 ms and 1 s) fall in one-minute buckets of their own: p50 averages 700 ms.
    expect(await ops.filter({ hasText: 'GET /checkout' }).locator('td').nth(3).innerText()).toBe('700ms');
    for (const chart of ['chart-rate', 'chart-errors', 'chart-latency']) {
      expect(Number(await page.locator(`[data-testid=${chart}]`).getAttribute('data-points'))).toBeGreaterThan(0);
      expect(await page.locator(`[data-testid=${chart}] canvas`).count()).toBeGreaterThan(0);
    }
    await shot('monitor');
    await ops.filter({ hasText: 'GET /checkout' }).locator('a').first().click();
    await expect.poll(() => text('[data-testid=monitor-title]')).toBe('frontend: GET /checkout');
    expect(page.url()).toContain('operation=GET');
  });

  it('upload: a downloaded trace file is shown without being stored', async () => {
    const res = await fetch(`${url}api/tl/traces/${scenario.fast.traceId}/download`);
    expect(res.status).toBe(200);
    // The same trace under an id the server has never seen: afterwards it still has not.
    const fresh = 'fedcba98765432100123456789abcdef';
    const file = join(SHOTS, 'upload-fast.json');
    writeFileSync(file, (await res.text()).replaceAll(scenario.fast.traceId, fresh));
    await go('#/upload');
    await page.setInputFiles('[data-testid=upload-input]', file);
    await page.waitForSelector('[data-testid=timeline][data-ready=true]');
    expect(page.url()).toMatch(new RegExp(`#/trace/${fresh}\\?upload=\\d+$`));
    expect(await text('[data-testid=trace-span-count]')).toBe(String(EXPECTED.fastSpans));
    await page.locator('[data-testid=timeline] .span-row', { hasText: 'POST /charge' }).click();
    expect(await text('[data-testid=detail-attributes]')).toContain('EUR');
    expect((await fetch(`${url}api/tl/traces/${fresh}`)).status).toBe(404);
  });

  it('dark theme, and every view state comes back from the URL', async () => {
    const charge = scenario.fast.refs.get('charge')!;
    await go(`#/trace/${scenario.fast.traceId}?span=${charge}&find=db&zoom=0.2-0.8`);
    await page.waitForSelector('[data-testid=timeline][data-ready=true]');
    await page.reload();
    await page.waitForSelector(`[data-testid=timeline][data-ready=true] [data-span-id="${charge}"].selected`);
    expect(await page.inputValue('[data-testid=find-input]')).toBe('db');
    expect(await text('[data-testid=detail-name]')).toBe('POST /charge');
    expect(await page.locator('[data-testid=minimap] .window').count()).toBe(1);
    const before = await theme();
    await page.click('[data-testid=theme-toggle]');
    const after = await theme();
    expect(after).not.toBe(before);
    await shot(`trace-${after}`);
    await page.reload();
    await page.waitForSelector('[data-testid=timeline][data-ready=true]');
    expect(await theme()).toBe(after);
    await page.click('[data-testid=theme-toggle]');
  });

  it('no page errors on the way', () => {
    expect(problems.errors).toEqual([]);
    expect(problems.dialogs).toEqual([]);
  });
});
