import { useLayoutEffect, useRef, useState } from 'react';
import type { ReactNode } from 'react';

/** Only the rows on screen (plus a few) are rendered, absolutely placed in a spacer as tall as all rows. */
export function VirtualList({ count, rowHeight, renderRow, testId }: { count: number; rowHeight: number; renderRow: (index: number, top: number) => ReactNode; testId?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setHeight(el.clientHeight);
    const observer = new ResizeObserver(() => setHeight(el.clientHeight));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - 10);
  const last = Math.min(count, Math.ceil((scrollTop + height) / rowHeight) + 10);
  const rows: ReactNode[] = [];
  for (let i = first; i < last; i++) rows.push(renderRow(i, i * rowHeight));
  return (
    <div ref={ref} className="timeline-body" data-testid={testId} onScroll={(e) => setScrollTop((e.target as HTMLDivElement).scrollTop)}>
      <div style={{ position: 'relative', height: count * rowHeight }}>{rows}</div>
    </div>
  );
}
