// Which fonts the window asks for. Elsewhere the font stack names each system's UI font, but
// WebKitGTK (Linux) asks fontconfig for every family of the stack it cannot find, once for every
// weight and size the page uses, before it falls back: with the ten-name stack the first
// dashboard spent about 300 ms in fontconfig (measured with perf, release build, demo garage), the
// largest single cost of start-up. On Linux the window asks for the generic families, fontconfig's
// sans-serif and monospace (the desktop's font settings); `system-ui, sans-serif` measured about
// 50 ms slower to the first frame than `sans-serif` alone.

/** True in WebKitGTK: a Linux user agent that is not Android's web view. */
export function isLinuxDesktop(userAgent: string): boolean {
  return /\bLinux\b/.test(userAgent) && !/\bAndroid\b/.test(userAgent);
}

/** Marks <html data-os="linux"> on the Linux desktop (app.css gives it the generic families). */
export function applyPlatformFonts(): void {
  if (isLinuxDesktop(navigator.userAgent)) document.documentElement.dataset.os = 'linux';
}
