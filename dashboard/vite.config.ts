/**
 * The dashboard page's build: `npm run build:dashboard` writes dashboard/dist, which is committed
 * and served by the server at /dashboard (src/server/dashboard.ts). CI rebuilds it and fails when
 * the result differs from the committed files, so the build always matches its sources.
 */
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/dashboard/',
  logLevel: 'warn',
  // `npm run dev:dashboard`: the page with hot reload, talking to a server started with
  // `npm start` on the default port.
  server: {
    proxy: {
      '/graphql': { target: 'http://localhost:4000', ws: true },
      '/exports': 'http://localhost:4000',
      '/dashboard/session.json': 'http://localhost:4000',
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // One small bundle; no source maps shipped, no inline assets that the page's CSP would refuse.
    sourcemap: false,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    // On two busy cores a callback taking over a second is load, not a finding: no timing report.
    rolldownOptions: { checks: { pluginTimings: false, bundlerTimings: false } },
  },
});
