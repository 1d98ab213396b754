import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { PROMETHEUS_PORTS, startPrometheus, stopAllPrometheus } from './harness.js';

afterAll(async () => {
  await stopAllPrometheus();
});

describe('prometheus harness', () => {
  it('starts a private server in its port range that scrapes a target every second, and stops it by pid', async () => {
    let scrapes = 0;
    const target = createServer((_req, res) => {
      scrapes++;
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(`# TYPE harness_scrapes_total counter\nharness_scrapes_total ${scrapes}\n`);
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    try {
      const prom = await startPrometheus({ targets: [`127.0.0.1:${(target.address() as AddressInfo).port}`] });
      expect(prom.port).toBeGreaterThanOrEqual(PROMETHEUS_PORTS.first);
      expect(prom.port).toBeLessThanOrEqual(PROMETHEUS_PORTS.last);
      await prom.waitForTargetsUp();
      await new Promise((r) => setTimeout(r, 3_500));
      const [sample] = await prom.query('harness_scrapes_total');
      expect(sample.value).toBeGreaterThanOrEqual(3);
      const pid = prom.pid;
      await prom.stop();
      expect(() => process.kill(pid, 0)).toThrow();
    } finally {
      await new Promise((r) => target.close(r));
    }
  }, 60_000);
});
