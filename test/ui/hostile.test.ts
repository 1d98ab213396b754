// Span data is hostile input: service names, span names, attribute keys and values, event names,
// status messages, scope names and link attributes carrying HTML and script payloads are sent
// through the real OTel JS exporter, and every view of the UI is visited. No payload may run (each
// would set window.__pwned or open a dialog), no markup from data may become an element, no link
// may point anywhere but a validated `#/…` route, and the payloads must show as plain text.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageProblems } from './helpers/browser.js';
import { chromiumAvailable, launchChromium, openWatchedPage } from './helpers/browser.js';
import type { SentTrace, SpanPlan } from './helpers/otel-traces.js';
import { createTraceSender } from './helpers/otel-traces.js';
import type { UiServer } from './helpers/ui-server.js';
import { ensureUiDist, startUiServer } from './helpers/ui-server.js';

const SHOTS = 'test-results/ui-hostile';
const pwn = (tag: string) => `window.__pwned=(window.__pwned||[]).concat('${tag}')`;
const P = {
  serviceA: `<img src=x onerror="${pwn('service')}">`,
  serviceB: `"><svg onload="${pwn('service2')}">`,
  root: `<script>${pwn('name')}</script>`,
  child: `</div><iframe src="javascript:${pwn('iframe')}"></iframe>`,
  key: `<img src=x onerror="${pwn('key')}">`,
  value: `javascript:${pwn('value')}`,
  htmlValue: `<a href="javascript:${pwn('href')}">click</a>`,
  event: `<b onmouseover="${pwn('event')}">hover</b>`,
  status: `</textarea><script>${pwn('status')}</script>`,
  scope: `<img src=x onerror="${pwn('scope')}">`,
  linkAttr: `<svg><script>${pwn('link')}</script></svg>`,
} as const;

let server: UiServer | undefined;
let browser: Browser | undefined;
let page: Page;
let problems: PageProblems;
let hostile: SentTrace;
let plain: SentTrace;
const hasChromium = chromiumAvailable();

function hostilePlan(link: { traceId: string; spanId: string }): SpanPlan {
  return {
    service: P.serviceA,
    name: P.root,
    kind: SpanKind.SERVER,
    start: 0,
    end: 300,
    attributes: { [P.key]: P.value, 'html.value': P.htmlValue, 'http.route': P.htmlValue },
    events: [{ name: P.event, at: 10, attributes: { [P.key]: P.htmlValue } }],
    links: [{ traceId: link.traceId, spanId: link.spanId, attributes: { [P.linkAttr]: P.linkAttr } }],
    children: [
      {
        service: P.serviceA,
        name: P.child,
        kind: SpanKind.CLIENT,
        start: 10,
        end: 250,
        error: P.status,
        children: [{ service: P.serviceB, name: P.event, kind: SpanKind.SERVER, start: 20, end: 240, attributes: { [P.key]: P.value } }],
      },
    ],
  };
}

beforeAll(async () => {
  if (!hasChromium) return;
  mkdirSync(SHOTS, { recursive: true });
  server = await startUiServer({ distDir: ensureUiDist() });
  // The hostile scope name and a resource attribute ride on every span of this sender.
  const sender = createTraceSender(server.otlpTracesUrl, { 'deployment.environment.name': P.htmlValue, [P.key]: P.value }, P.scope);
  try {
    const now = Date.now() - 5 * 60_000;
    plain = await sender.send({ service: 'plain', name: 'GET /', kind: SpanKind.SERVER, start: 0, end: 10, ref: 'root' }, now);
    hostile = await sender.send(hostilePlan({ traceId: plain.traceId, spanId: plain.refs.get('root')! }), now + 1000);
  } finally {
    await sender.shutdown();
  }
  browser = await launchChromium();
  ({ page, problems } = await openWatchedPage(browser, 15_000));
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.shutdown();
});

/** What the DOM holds that data must never have created. */
async function inspect(): Promise<{ pwned: unknown; elements: string[]; badLinks: string[]; handlers: string[] }> {
  return (await page.evaluate(`(() => {
    const els = [...document.querySelectorAll('img, iframe, object, embed, script:not([src]), svg script, a[href^="javascript"]')]
      .map((e) => e.outerHTML.slice(0, 80));
    const badLinks = [...document.querySelectorAll('a[href]')].map((a) => a.getAttribute('href'))
      .filter((h) => !(h.startsWith('#/') || /^https?:\\/\\/127\\.0\\.0\\.1:\\d+\\/api\\//.test(h)));
    const handlers = [...document.querySelectorAll('*')].flatMap((e) => [...e.attributes].filter((a) => /^on/i.test(a.name)).map((a) => e.tagName + ' ' + a.name));
    return { pwned: window.__pwned, elements: els, badLinks, handlers };
  })()`)) as { pwned: unknown; elements: string[]; badLinks: string[]; handlers: string[] };
}

async function expectSafe(view: string): Promise<void> {
  // Give anything that would run a moment to do so.
  await page.waitForTimeout(150);
  const found = await inspect();
  expect({ view, ...found }).toEqual({ view, pwned: undefined, elements: [], badLinks: [], handlers: [] });
  await page.screenshot({ path: join(SHOTS, `${view}.png`) });
}

const bodyText = () => page.locator('body').innerText();
/** Clicks the timeline row of the span with this name (on its bar side). */
const clickRow = (name: string) =>
  page
    .locator('[data-testid=timeline] .span-row', { has: page.locator('.op', { hasText: name }) })
    .first()
    .click({ position: { x: 900, y: 12 } });

describe.skipIf(!hasChromium)('hostile span data in every view', () => {
  it('search: the service list, the result list and the scatter plot', async () => {
    await page.goto(`${server!.url}#/search?lookback=1h`);
    await page.waitForSelector(`[data-testid=trace-list] li[data-trace-id="${hostile.traceId}"]`);
    const title = await page.locator(`li[data-trace-id="${hostile.traceId}"] .trace-link`).innerText();
    expect(title).toBe(`${P.serviceA}: ${P.root}`);
    const options = await page.locator('select[name=service] option').allTextContents();
    expect(options).toContain(P.serviceA);
    expect(options).toContain(P.serviceB);
    await expectSafe('search');
    await page.goto(`${server!.url}#/search?lookback=1h&service=${encodeURIComponent(P.serviceA)}&operation=${encodeURIComponent(P.root)}`);
    await page.waitForSelector(`[data-testid=trace-list] li[data-trace-id="${hostile.traceId}"]`);
    expect(await page.locator('select[name=operation] option').allTextContents()).toContain(P.child);
    expect(await page.locator('[data-testid=trace-list] li').count()).toBe(1);
    await expectSafe('search-by-hostile-service');
  });

  it('trace: timeline, find, and the span detail with attributes, events, status, scope and links', async () => {
    await page.goto(`${server!.url}#/trace/${hostile.traceId}`);
    await page.waitForSelector('[data-testid=timeline][data-ready=true]');
    const ops = await page.locator('[data-testid=timeline] .span-row .op').allInnerTexts();
    expect(ops).toEqual([P.root, P.child, P.event]);
    await expectSafe('timeline');
    for (const name of [P.root, P.child, P.event]) {
      await clickRow(name);
      await page.waitForSelector('[data-testid=detail-attributes]');
      await page.locator('[data-testid=detail-scope] h3').click();
      await expectSafe(`detail-${[P.root, P.child, P.event].indexOf(name)}`);
    }
    await clickRow(P.root);
    await page.waitForSelector('[data-testid=detail-events]');
    const text = await bodyText();
    for (const payload of [P.key, P.value, P.htmlValue, P.event, P.linkAttr, P.scope]) expect(text).toContain(payload);
    const link = page.locator('[data-testid=span-link]');
    expect(await link.getAttribute('href')).toMatch(/^#\/trace\/[0-9a-f]{32}\?span=[0-9a-f]{16}$/);
    await clickRow(P.child);
    await page.waitForSelector('[data-testid=detail-status]');
    expect(await page.locator('[data-testid=detail-status]').innerText()).toBe(`error: ${P.status}`);
    await page.fill('[data-testid=find-input]', P.htmlValue);
    await page.waitForSelector('[data-testid=find-count]');
    await expectSafe('find');
  });

  it('statistics, flame graph and comparison', async () => {
    for (const view of ['stats', 'flame']) {
      await page.goto(`${server!.url}#/trace/${hostile.traceId}?view=${view}`);
      await page.waitForSelector(view === 'stats' ? '[data-testid=stats-operations]' : '[data-testid=flame-canvas]');
      if (view === 'flame') await page.locator('[data-testid=flame-canvas]').hover({ position: { x: 30, y: 8 } });
      await expectSafe(view);
    }
    expect(await bodyText()).toContain(P.root);
    await page.goto(`${server!.url}#/compare/${hostile.traceId}/${plain.traceId}`);
    await page.waitForSelector('[data-testid=compare-rows] .cmp-row');
    expect(await page.locator(`[data-testid=compare-rows] .cmp-row[data-change=removed]`).count()).toBe(3);
    await expectSafe('compare');
  });

  it('service map and monitor', async () => {
    await page.goto(`${server!.url}#/map?lookback=1h`);
    await page.waitForSelector('[data-testid=service-map]');
    expect(await page.locator('[data-testid=service-map] [data-service]').count()).toBe(2);
    await page.locator('[data-testid=service-map] [data-service]').first().click();
    await page.waitForSelector('[data-testid=map-side]');
    await expectSafe('service-map');
    await page.goto(`${server!.url}#/monitor?lookback=1h&service=${encodeURIComponent(P.serviceA)}`);
    await page.waitForSelector('[data-testid=monitor-operations] tbody tr');
    expect(await page.locator('[data-testid=monitor-operations] tbody tr').first().getAttribute('data-operation')).toBe(P.root);
    await expectSafe('monitor');
  });

  it('upload: the hostile trace as a file', async () => {
    const res = await fetch(`${server!.url}api/tl/traces/${hostile.traceId}/download`);
    const file = join(SHOTS, 'hostile.json');
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    await page.goto(`${server!.url}#/upload`);
    await page.setInputFiles('[data-testid=upload-input]', file);
    await page.waitForSelector('[data-testid=timeline][data-ready=true]');
    await clickRow(P.root);
    await page.waitForSelector('[data-testid=detail-events]');
    await expectSafe('upload');
  });

  it('nothing ran: no dialogs, no page errors', () => {
    expect(problems.dialogs).toEqual([]);
    expect(problems.errors).toEqual([]);
  });
});
