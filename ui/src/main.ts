import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { applyPlatformFonts } from './lib/platform/fonts';
import { applyTheme, settings } from './lib/settings/store.svelte';

// A forced theme and the platform's fonts are on <html> before the first render; "system" is CSS alone.
applyTheme(settings.theme);
applyPlatformFonts();

const target = document.getElementById('app');
if (!target) throw new Error('#app element missing from index.html');

const app = mount(App, { target });

export default app;
