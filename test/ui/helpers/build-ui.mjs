// Builds packages/ui into packages/ui/dist when the build is missing or older than a source it
// is made from. Run under flock by ensureUiDist(): test files running at once build it once, and
// never while another one serves it.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const UI = join(ROOT, 'packages/ui');
const SOURCES = [join(UI, 'src'), join(UI, 'index.html'), join(UI, 'vite.config.ts'), join(ROOT, 'packages/query/src/client'), join(ROOT, 'packages/core/src'), join(ROOT, 'packages/otlp/src')];

function newest(path) {
  const info = statSync(path, { throwIfNoEntry: false });
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const built = statSync(join(UI, 'dist/index.html'), { throwIfNoEntry: false })?.mtimeMs ?? 0;
if (built < Math.max(...SOURCES.map(newest))) {
  const run = spawnSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
    cwd: UI,
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  process.exit(run.status ?? 1);
}
