import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// In development `npx vite` serves the UI and forwards the API and the socket to a running suda
// (SUDA_URL, default http://127.0.0.1:8080). The production build is served by suda itself from web/dist.
// (Declared here rather than pulling in @types/node for one line.)
declare const process: { env: Record<string, string | undefined> };
const target = process.env.SUDA_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    // The server's CSP allows only same-origin scripts and styles; inlined assets would be data: URLs,
    // which img-src allows but which are harder to cache, so small assets stay files too.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  server: {
    proxy: {
      '/api': { target, changeOrigin: false },
      '/socket.io': { target, ws: true, changeOrigin: false },
    },
  },
  test: {
    include: ['src/**/*.test.{ts,tsx}'],
    environment: 'node',
  },
});
