// A trace above the worker's eager limit (5,000 spans) in a real browser against a real
// `tracelight start`: the timeline opens from the skeleton alone, the span detail comes from the
// single-span endpoint, and find-in-trace over an attribute value loads the full trace on demand.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageProblems } from './helpers/browser.js';
import { chromiumAvailable, launchChromium, openWatchedPage } from './helpers/browser.js';
import type { SentTrace, SpanPlan } from './helpers/otel-traces.js';
import { createTraceSender } from './helpers/otel-traces.js';
import { ensureUiDist } from './helpers/ui-server.js';
import type { RunningTracelight } from '../e2e/helpers/tracelight.js';
import { startTracelight, stopAllTracelights } from '../e2e/helpers/tracelight.js';

const hasChromium = chromiumAvailable();
let tracelight: RunningTracelight | undefined;
let browser: Browser | undefined;
let page: Page;
let problems: PageProblems;
let sent: SentTrace;

/** 1 + 60 × (1 + 99) = 6,001 spans over five services (each SDK queue stays under its 2,048 limit); one leaf carries the needle. */
function bigTrace(): SpanPlan {
  const groups: SpanPlan[] = [];
  for (let g = 0; g < 60; g++) {
    const leaves: SpanPlan[] = [];
    for (let l = 0; l < 99; l++) {
      const needle = g === 41 && l === 77;
      leaves.push({
        service: `svc-${(g * 99 + l) % 5}`,
        name: `work ${l}`,
        start: g * 10 + l * 0.05,
        end: g * 10 + l * 0.05 + 0.04,
        attributes: needle ? { 'needle.key': 'haystack-7731' } : { 'leaf.index': l },
        ref: needle ? 'needle' : undefined,
      });
    }
    groups.push({ service: `svc-${g % 5}`, name: `group ${g}`, start: g * 10, end: g * 10 + 9, children: leaves });
  }
  return { service: 'svc-0', name: 'GET /big', start: 0, end: 610, children: groups, ref: 'root' };
}

beforeAll(async () => {
  if (!hasChromium) return;
  ensureUiDist();
  tracelight = await startTracelight();
  const sender = createTraceSender(`${tracelight.otlpHttpUrl}/v1/traces`);
  try {
    sent = await sender.send(bigTrace(), Date.now() - 60_000);
  } finally {
    await sender.shutdown();
  }
  browser = await launchChromium();
  ({ page, problems } = await openWatchedPage(browser, 30_000));
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await stopAllTracelights();
});

const text = (selector: string) => page.locator(selector).first().innerText();

describe.skipIf(!hasChromium)('a 6,001-span trace (skeleton, single-span details, lazy full trace)', () => {
  it('opens from the skeleton, shows a span\'s details, finds an attribute value', async () => {
    expect(sent.spanCount).toBe(6001);
    const needle = sent.refs.get('needle')!;
    const requests: string[] = [];
    page.on('request', (r) => requests.push(new URL(r.url()).pathname));
    await page.goto(`${tracelight!.apiUrl}/#/trace/${sent.traceId}?span=${needle}`);
    await page.waitForSelector('[data-testid=timeline][data-ready=true]');
    expect(await text('[data-testid=trace-span-count]')).toBe('6001');
    await page.waitForSelector('[data-testid=detail-attributes]');
    expect(await text('[data-testid=detail-name]')).toBe('work 77');
    expect(await text('[data-testid=detail-attributes]')).toContain('haystack-7731');
    expect(requests).toContain(`/api/tl/traces/${sent.traceId}/skeleton`);
    expect(requests).toContain(`/api/tl/traces/${sent.traceId}/spans/${needle}`);
    // The full trace was not needed so far.
    expect(requests).not.toContain(`/api/tl/traces/${sent.traceId}`);

    await page.goto(`${tracelight!.apiUrl}/#/trace/${sent.traceId}`);
    await page.waitForSelector('[data-testid=timeline][data-ready=true]');
    await page.fill('[data-testid=find-input]', 'haystack-7731');
    await expect.poll(() => text('[data-testid=find-count]'), { timeout: 30_000 }).toBe('1 of 1 match');
    expect(page.url()).toContain(`span=${needle}`);
    expect(requests).toContain(`/api/tl/traces/${sent.traceId}`);
    expect(problems.errors).toEqual([]);
  }, 120_000);
});
