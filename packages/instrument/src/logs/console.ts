import { isSpanContextValid, trace } from '@opentelemetry/api';

/**
 * Opt-in `console` log correlation: while a span is active, `console.log/info/warn/error/debug`
 * lines get ` trace_id=<hex> span_id=<hex> trace_flags=<hex>` appended, the same keys the pino
 * and winston instrumentations add to structured records.
 */

const METHODS = ['log', 'info', 'warn', 'error', 'debug'] as const;
const kOriginal = Symbol.for('tracelight.console-original');

type ConsoleFn = (...args: unknown[]) => void;

/** The suffix for the active span, or '' outside a span. */
export function traceLogSuffix(): string {
  const sc = trace.getActiveSpan()?.spanContext();
  if (!sc || !isSpanContextValid(sc)) return '';
  const flags = (sc.traceFlags & 0xff).toString(16).padStart(2, '0');
  return `trace_id=${sc.traceId} span_id=${sc.spanId} trace_flags=${flags}`;
}

/** Patches the given console (default: the global one); returns a function that restores it. */
export function enableConsoleLogCorrelation(target: Console = console): () => void {
  const restore: Array<() => void> = [];
  for (const name of METHODS) {
    const current = target[name] as ConsoleFn & { [kOriginal]?: ConsoleFn };
    if (current[kOriginal]) continue;
    const original = current;
    const patched = Object.assign(
      function (this: unknown, ...args: unknown[]) {
        const suffix = traceLogSuffix();
        return original.apply(this, suffix ? [...args, suffix] : args);
      },
      { [kOriginal]: original },
    );
    target[name] = patched;
    restore.push(() => {
      if (target[name] === patched) target[name] = original;
    });
  }
  return () => {
    for (const r of restore) r();
  };
}
