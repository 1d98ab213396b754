import { create } from 'zustand';
import type { UploadedTrace } from '../api/trace-protocol.js';

export type Theme = 'light' | 'dark';

/** Shared UI state that is not worth a URL: the theme, uploaded files, traces picked for comparison. */
interface UiState {
  theme: Theme;
  setTheme(theme: Theme): void;
  /** Uploaded traces by upload number (they live in the worker; not shareable). */
  uploads: Record<string, UploadedTrace[]>;
  addUpload(n: string, traces: UploadedTrace[]): void;
  /** Trace ids ticked in the search results for "compare". */
  picked: string[];
  togglePicked(traceId: string): void;
}

function initialTheme(): Theme {
  try {
    const saved = localStorage.getItem('tracelight.theme');
    if (saved === 'light' || saved === 'dark') return saved;
  } catch {
    // Storage may be off: fall through to the system preference.
  }
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export const useUi = create<UiState>((set) => ({
  theme: initialTheme(),
  setTheme(theme) {
    try {
      localStorage.setItem('tracelight.theme', theme);
    } catch {
      // Not remembered then; still applied.
    }
    set({ theme });
  },
  uploads: {},
  addUpload(n, traces) {
    set((s) => ({ uploads: { ...s.uploads, [n]: traces } }));
  },
  picked: [],
  togglePicked(traceId) {
    set((s) => {
      if (s.picked.includes(traceId)) return { picked: s.picked.filter((t) => t !== traceId) };
      return { picked: [...s.picked, traceId].slice(-2) };
    });
  },
}));
