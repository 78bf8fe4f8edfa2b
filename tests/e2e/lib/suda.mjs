// Starts the real suda binary for a test file: a free port, a fresh data dir, the built web UI, and login rate
// limits raised (every browser logs in from 127.0.0.1). Stopped with SIGTERM, which must exit 0.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const sudaBin = process.env.SUDA_BIN ?? path.join(repoRoot, 'build/src/suda');
export const webRoot = process.env.SUDA_WEB_ROOT ?? path.join(repoRoot, 'web/dist');

async function freePort() {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address();
  probe.close();
  await once(probe, 'close');
  return port;
}

async function healthy(url) {
  try {
    const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

export async function startSuda() {
  if (!existsSync(path.join(webRoot, 'index.html'))) {
    throw new Error(`no built web UI at ${webRoot}: run "npm run build" in web/ first`);
  }
  const dataDir = await mkdtemp(path.join(tmpdir(), 'suda-e2e-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = ['--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--web-root', webRoot,
    '--login-rate-ip', '100000', '--login-rate-account', '100000'];
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SUDA_')));
  const proc = spawn(sudaBin, args, { cwd: dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (chunk) => {
    log += chunk.toString('utf8');
    if (log.length > 1 << 20) log = log.slice(-(1 << 19));
  };
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);
  let exit = null;
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve((exit = { code, signal }))));

  const deadline = Date.now() + 20_000;
  while (!(await healthy(url))) {
    if (exit) throw new Error(`suda exited during startup (${JSON.stringify(exit)}):\n${log}`);
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`suda did not become healthy within 20 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  return {
    url,
    log: () => log,
    async stop() {
      if (!exit) {
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dataDir, { recursive: true, force: true });
      if (exit.code !== 0) throw new Error(`suda did not exit cleanly (${JSON.stringify(exit)}):\n${log.slice(-4000)}`);
    },
  };
}
