// Starts the real suda binary for a test file: a free port, a fresh data dir, the built web UI, and login rate
// limits raised (every browser logs in from 127.0.0.1). Stopped with SIGTERM, which must exit 0.
// The process handling is the functional suites' harness (plain ESM, Node built-ins only).
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, suda_bin } from '../../functional/lib/server.mjs';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const sudaBin = suda_bin;
export const webRoot = process.env.SUDA_WEB_ROOT ?? path.join(repoRoot, 'web/dist');

export async function startSuda() {
  if (!existsSync(path.join(webRoot, 'index.html'))) {
    throw new Error(`no built web UI at ${webRoot}: run "npm run build" in web/ first`);
  }
  const dataDir = await mkdtemp(path.join(tmpdir(), 'suda-e2e-'));
  const server = await startServer({ args: ['--web-root', webRoot], dataDir });
  return {
    url: server.url,
    log: server.log,
    // Removes the data dir, also when the exit was not clean (which throws).
    async stop() {
      try {
        await server.stop();
      } finally {
        await server.remove_data();
      }
    },
  };
}
