import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { navigate, safeTraceId, useRoute } from './state/router.js';
import { useUi } from './state/ui-store.js';
import { ComparePage } from './views/compare/compare-page.js';
import { ServiceMapPage } from './views/map/service-map-page.js';
import { MonitorPage } from './views/monitor/monitor-page.js';
import { SearchPage } from './views/search/search-page.js';
import { TracePage } from './views/trace/trace-page.js';
import { UploadPage } from './views/upload-page.js';

const NAV = [
  { path: 'search', label: 'Search' },
  { path: 'compare', label: 'Compare' },
  { path: 'map', label: 'Service map' },
  { path: 'monitor', label: 'Monitor' },
  { path: 'upload', label: 'Upload JSON' },
] as const;

function TraceLookup() {
  const [text, setText] = useState('');
  const [bad, setBad] = useState(false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const id = safeTraceId(text.trim());
    setBad(!id);
    if (id) {
      setText('');
      navigate(`#/trace/${id}`);
    }
  };
  return (
    <form onSubmit={submit}>
      <input
        className="lookup mono"
        type="search"
        aria-label="Look up a trace by id"
        placeholder="Trace id…"
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          setBad(false);
        }}
        style={bad ? { borderColor: 'var(--error)' } : undefined}
      />
    </form>
  );
}

function Page() {
  const route = useRoute();
  const [head, ...rest] = route.path;
  switch (head) {
    case undefined:
    case 'search':
      return <SearchPage />;
    case 'trace':
      return <TracePage traceId={rest[0] ?? ''} />;
    case 'compare':
      return <ComparePage a={rest[0]} b={rest[1]} />;
    case 'map':
      return <ServiceMapPage />;
    case 'monitor':
      return <MonitorPage />;
    case 'upload':
      return <UploadPage />;
    default:
      return <div className="notice">No such page. <a href="#/search">Search traces</a></div>;
  }
}

export function App() {
  const route = useRoute();
  const theme = useUi((s) => s.theme);
  const setTheme = useUi((s) => s.setTheme);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  const section = route.path[0] ?? 'search';
  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href="#/search">
          <svg width="18" height="18" viewBox="0 0 16 16" aria-hidden="true">
            <rect x="1" y="2" width="14" height="3" rx="1" fill="#4e79a7" />
            <rect x="4" y="7" width="9" height="3" rx="1" fill="#f28e2b" />
            <rect x="7" y="12" width="5" height="3" rx="1" fill="#59a14f" />
          </svg>
          Tracelight
        </a>
        <nav className="row" style={{ gap: 2 }}>
          {NAV.map((n) => (
            <a key={n.path} href={`#/${n.path}`} className={section === n.path ? 'active' : undefined}>
              {n.label}
            </a>
          ))}
        </nav>
        <div className="spacer" />
        <TraceLookup />
        <button
          className="icon-button"
          type="button"
          aria-label={theme === 'dark' ? 'Switch to the light theme' : 'Switch to the dark theme'}
          title={theme === 'dark' ? 'Light theme' : 'Dark theme'}
          data-testid="theme-toggle"
          onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}
        >
          {theme === 'dark' ? '☀' : '☾'}
        </button>
      </header>
      <main className="main">
        <Page />
      </main>
    </div>
  );
}
