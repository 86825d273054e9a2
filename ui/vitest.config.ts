import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The UI's own logic (formatters, forecast words, form checks, the router) and its forms,
// rendered in jsdom by @testing-library/svelte. `npm test`; `make test-unit` runs it.
export default defineConfig({
  plugins: [svelte()],
  // Svelte's browser build: @testing-library/svelte mounts components as the window does.
  resolve: { conditions: ['browser'] },
  test: {
    // app.css is read raw by the theme contrast test.
    css: { include: [/app\.css/] },
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
  },
});
