/** Durations as people read them: 850ns, 12.3µs, 4.56ms, 1.23s, 2m 5s, 1h 2m. */
export function formatDuration(nanos: number): string {
  if (!Number.isFinite(nanos)) return '–';
  const sign = nanos < 0 ? '-' : '';
  const n = Math.abs(nanos);
  // 3 significant digits, trailing zeros after the point dropped: 1.5ms, 12ms, 450ms.
  const fixed = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
  if (n === 0) return '0';
  if (n < 1e3) return `${sign}${Math.round(n)}ns`;
  if (n < 1e6) return `${sign}${fixed(n / 1e3)}µs`;
  if (n < 1e9) return `${sign}${fixed(n / 1e6)}ms`;
  if (n < 60e9) return `${sign}${fixed(n / 1e9)}s`;
  const s = Math.round(n / 1e9);
  if (s < 3600) return `${sign}${Math.floor(s / 60)}m ${s % 60}s`;
  return `${sign}${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

const pad = (v: number, w = 2) => String(v).padStart(w, '0');

/** A local date and time with milliseconds: 2024-05-01 10:00:00.123. */
export function formatTimestamp(unixNano: bigint): string {
  const ms = Number(unixNano / 1_000_000n);
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** "3m ago", "2h ago", "5d ago" relative to `nowMs`. */
export function formatAgo(unixNano: bigint, nowMs: number): string {
  const s = Math.max(0, Math.round((nowMs - Number(unixNano / 1_000_000n)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

/** A percentage with one decimal under 10%: 0.5%, 12%, 100%. */
export function formatPercent(share: number): string {
  const p = share * 100;
  if (!Number.isFinite(p)) return '–';
  return p > 0 && p < 10 ? `${p.toFixed(1)}%` : `${Math.round(p)}%`;
}

/** Evenly spaced "nice" tick values (1, 2, 5 × 10^k) covering [0, span]. */
export function niceTicks(span: number, maxTicks: number): number[] {
  if (!(span > 0) || maxTicks < 1) return [0];
  const raw = span / maxTicks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let t = 0; t <= span + step * 1e-9; t += step) ticks.push(t);
  return ticks;
}
