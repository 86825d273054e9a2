import { describe, expect, it } from 'vitest';
import { isLinuxDesktop } from './fonts';

describe('isLinuxDesktop', () => {
  it('is true for WebKitGTK', () => {
    expect(isLinuxDesktop('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/605.1.15 (KHTML, like Gecko)')).toBe(true);
  });
  it('is false for Android, macOS, iOS and Windows web views', () => {
    expect(
      isLinuxDesktop('Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/UQ1A; wv) AppleWebKit/537.36 Chrome/120.0 Mobile'),
    ).toBe(false);
    expect(isLinuxDesktop('Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15')).toBe(false);
    expect(isLinuxDesktop('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15')).toBe(false);
    expect(isLinuxDesktop('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Edg/120.0')).toBe(false);
  });
});
