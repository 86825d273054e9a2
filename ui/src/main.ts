import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { applyPlatformFonts } from './lib/platform/fonts';
import { applyTheme, settings } from './lib/settings/store.svelte';

// Imports are evaluated before this line runs (start-up timeline, see src-tauri/src/startup.rs).
performance.mark('bundle evaluated');

// A forced theme and the platform's fonts are on <html> before the first render; "system" is CSS alone.
applyTheme(settings.theme);
applyPlatformFonts();

const target = document.getElementById('app');
if (!target) throw new Error('#app element missing from index.html');

const app = mount(App, { target });
performance.mark('app mounted');

export default app;
