import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The gateway embeds dist/ and serves it at / with a strict CSP
// (script-src 'self'), so the build must not emit inline scripts.
export default defineConfig({
  plugins: [svelte()],
  // Component tests mount Svelte in happy-dom: use Svelte's browser build there.
  resolve: process.env.VITEST ? { conditions: ['browser'] } : undefined,
  build: {
    outDir: 'dist',
    emptyOutDir: false, // dist/.keep belongs to the repository
    assetsInlineLimit: 0, // no data: URLs for scripts or fonts
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 2000,
  },
  test: {
    include: ['tests/unit/**/*.test.ts'],
    environment: 'node',
  },
});
