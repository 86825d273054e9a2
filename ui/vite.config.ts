import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Tauri loads the dev server at http://localhost:1420 (build.devUrl) and, in
// release builds, the static files in ui/dist (build.frontendDist = "../ui/dist").
export default defineConfig({
  plugins: [svelte()],
  // Keep the Rust/Tauri output visible in the same terminal.
  clearScreen: false,
  server: {
    port: 1420,
    strictPort: true,
    watch: {
      // The Rust side lives outside ui/; never watch it.
      ignored: ['**/src-tauri/**', '**/target/**'],
    },
  },
  envPrefix: ['VITE_', 'TAURI_'],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // WebKitGTK (Linux) and WKWebView (macOS) are Safari-class engines;
    // WebView2 (Windows) is Chromium.
    target: ['es2021', 'safari15', 'chrome105'],
    sourcemap: false,
  },
});
