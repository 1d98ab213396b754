import { useState } from 'react';
import type { DragEvent } from 'react';
import { traceSource } from '../api/trace-source.js';
import { formatDuration } from '../model/format.js';
import { navigate } from '../state/router.js';
import { useUi } from '../state/ui-store.js';
import { ErrorBox, ServiceChip } from './common/common.js';

let uploadSeq = 0;

/** Shows a trace file (OTLP/JSON or Jaeger JSON) without storing it. */
export function UploadPage() {
  const uploads = useUi((s) => s.uploads);
  const addUpload = useUi((s) => s.addUpload);
  const [over, setOver] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const open = async (file: File | undefined) => {
    if (!file) return;
    setBusy(true);
    setError(undefined);
    try {
      const traces = await traceSource.upload(file);
      // The worker numbers uploads in the same order; the key carries its number.
      const n = traces[0]?.key.split(':')[1] ?? String(++uploadSeq);
      addUpload(n, traces);
      if (traces.length === 1) navigate(`#/trace/${traces[0].traceId}?upload=${n}`);
      else if (traces.length === 0) setError(new Error('The file holds no spans.'));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const drop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    void open(e.dataTransfer.files[0]);
  };
  return (
    <div className="page" style={{ maxWidth: 900 }}>
      <h2 style={{ marginTop: 0 }}>View a trace file</h2>
      <p className="muted">
        An OTLP/JSON file (what “Download JSON” saves, or an ExportTraceServiceRequest) or a Jaeger JSON file. It is shown, not stored: the server only decodes it.
      </p>
      <div
        className={`dropzone${over ? ' over' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={drop}
      >
        <p>Drop a .json file here, or</p>
        <input type="file" accept=".json,application/json" aria-label="Trace file" data-testid="upload-input" onChange={(e) => void open(e.target.files?.[0])} disabled={busy} />
        {busy && <p>Reading…</p>}
      </div>
      {error !== undefined && <ErrorBox error={error}>Could not read the file: </ErrorBox>}
      {Object.entries(uploads)
        .reverse()
        .map(([n, traces]) => (
          <div key={n} className="panel" style={{ marginTop: 16 }}>
            <div className="panel-title">Upload {n}: {traces.length} trace{traces.length === 1 ? '' : 's'}</div>
            <ul className="trace-list">
              {traces.map((t) => (
                <li key={t.key} className="trace-item" style={{ gridTemplateColumns: '1fr 160px' }}>
                  <div className="title">
                    <ServiceChip name={t.rootService} />
                    <a href={`#/trace/${t.traceId}?upload=${n}`}>{t.rootName || t.traceId}</a>
                    <span className="mono muted">{t.traceId.slice(0, 8)}</span>
                  </div>
                  <div className="right">
                    {formatDuration(t.durationNano)} · {t.spanCount} spans
                  </div>
                </li>
              ))}
            </ul>
          </div>
        ))}
    </div>
  );
}
