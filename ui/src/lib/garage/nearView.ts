// Drawing a large garage lazily: what lies far below the first screen (a bike's parts, the due
// list's later rows) is drawn when it comes near the visible area, not at start. Each drawn row is
// DOM, layout and styles the WebKit process keeps; a garage of 20 bikes × 15 parts × 3 rules drew
// 900 rule lines and 900 due rows before its first frame (README, "The app: start-up and memory").

/** How far below (or above) the visible area drawing starts, so scrolling rarely meets a blank. */
const AHEAD = '800px 0px';

/**
 * Calls `onNear` once, when `node` comes within {@link AHEAD} of the visible area (its scrolling
 * ancestors' clips included). Without IntersectionObserver (the unit tests' jsdom) it calls it at
 * once: everything is drawn, as before.
 */
export function nearView(node: Element, onNear: () => void) {
  if (typeof IntersectionObserver === 'undefined') {
    onNear();
    return {};
  }
  const seen = new IntersectionObserver(
    (entries) => {
      if (entries.some((e) => e.isIntersecting)) {
        seen.disconnect();
        onNear();
      }
    },
    { rootMargin: AHEAD },
  );
  seen.observe(node);
  return { destroy: () => seen.disconnect() };
}
