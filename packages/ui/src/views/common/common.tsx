import { useState } from 'react';
import type { ReactNode } from 'react';
import { serviceColor } from '../../model/colors.js';

/** Copies `text` to the clipboard; says "copied" for a moment. */
export function CopyButton({ text, label = 'Copy', className = 'copy' }: { text: string; label?: string; className?: string }) {
  const [done, setDone] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // Clipboard refused (an insecure origin): fall back to a hidden text area.
      const area = document.createElement('textarea');
      area.value = text;
      document.body.append(area);
      area.select();
      document.execCommand('copy');
      area.remove();
    }
    setDone(true);
    setTimeout(() => setDone(false), 1200);
  };
  return (
    <button type="button" className={className} title={`${label}: ${text.length > 80 ? `${text.slice(0, 80)}…` : text}`} onClick={() => void copy()}>
      {done ? 'Copied' : label}
    </button>
  );
}

export function ServiceChip({ name, count, errors }: { name: string; count?: number; errors?: number }) {
  return (
    <span className="chip" title={name}>
      <span className="swatch" style={{ background: serviceColor(name) }} />
      <span style={{ overflow: 'hidden', textOverflow: 'ellipsis' }}>{name || '(no service)'}</span>
      {count !== undefined && <span className="muted">{count}</span>}
      {errors ? <span className="error-text">!{errors}</span> : null}
    </span>
  );
}

export function ErrorCount({ count }: { count: number }) {
  if (count <= 0) return null;
  return (
    <span className="badge-error" title={`${count} span${count === 1 ? '' : 's'} with status error`}>
      ! {count}
    </span>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <div className="notice" role="status">
      <span className="spinner" /> Loading {what}…
    </div>
  );
}

export function ErrorBox({ error, children }: { error: unknown; children?: ReactNode }) {
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div className="error-box" role="alert">
      {children ?? <b>Something went wrong. </b>}
      <span>{message}</span>
    </div>
  );
}
