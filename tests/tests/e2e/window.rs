//! The app's window as WebDriver sees it: elements found by CSS, waited for (bounded) because the
//! app draws what a command changed a moment after the command returns.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::error::CmdError;
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use serde_json::Value;

/// How long anything the app draws may take.
pub const WAIT: Duration = Duration::from_secs(30);

/// How long a device sync may take here: a debug build derives the passphrase's key (Argon2id)
/// once per pass.
pub const SYNC_WAIT: Duration = Duration::from_secs(120);

/// The strings of a JSON list a page script returned (the problems a check found); nothing for
/// anything else.
pub fn strings(found: &Value) -> Vec<String> {
    found
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| p.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

pub type Result<T = ()> = std::result::Result<T, CmdError>;

#[derive(Clone, Copy)]
pub struct Window<'a> {
    client: &'a Client,
}

impl<'a> Window<'a> {
    pub fn new(client: &'a Client) -> Window<'a> {
        Window { client }
    }

    /// The first element `css` matches, once there is one.
    pub async fn find(&self, css: &str) -> Result<Element> {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
    }

    /// Every element `css` matches now, without waiting.
    pub async fn all(&self, css: &str) -> Result<Vec<Element>> {
        self.client.find_all(Locator::Css(css)).await
    }

    /// Clicks the element `css` matches, once there is one.
    pub async fn click(&self, css: &str) -> Result {
        self.find(css).await?.click().await
    }

    /// Types `text` into the field `css` matches, after what it holds.
    pub async fn type_into(&self, css: &str, text: &str) -> Result {
        self.find(css).await?.send_keys(text).await
    }

    /// Empties the field `css` matches and types `text` into it.
    pub async fn replace_text(&self, css: &str, text: &str) -> Result {
        let field = self.find(css).await?;
        field.clear().await?;
        field.send_keys(text).await
    }

    /// The text of the element `css` matches (`textContent`, not the rendered text: long names
    /// are ellipsised on screen).
    pub async fn text(&self, css: &str) -> Result<String> {
        let el = self.find(css).await?;
        Ok(el.prop("textContent").await?.unwrap_or_default())
    }

    /// An attribute of the element `css` matches.
    pub async fn attr(&self, css: &str, name: &str) -> Result<Option<String>> {
        self.find(css).await?.attr(name).await
    }

    /// Waits until the text of `css` passes `ok` (a change the app makes after a command
    /// returns); returns that text.
    pub async fn wait_text(
        &self,
        css: &str,
        what: &str,
        ok: impl Fn(&str) -> bool,
    ) -> Result<String> {
        let deadline = Instant::now() + WAIT;
        loop {
            let text = match self.text(css).await {
                Ok(text) => text,
                // The app redrew the element between finding and reading it: look again.
                Err(e) if e.is_stale_element_reference() => String::new(),
                Err(e) => return Err(e),
            };
            if ok(&text) {
                return Ok(text);
            }
            assert!(
                Instant::now() < deadline,
                "{css}: {what} not seen within {WAIT:?}; it reads {text:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Like [`Window::wait_text`], bounded by [`SYNC_WAIT`], and `css` may come and go meanwhile.
    pub async fn wait_text_long(
        &self,
        css: &str,
        what: &str,
        ok: impl Fn(&str) -> bool,
    ) -> Result<String> {
        let deadline = Instant::now() + SYNC_WAIT;
        loop {
            let text = match self.client.find(Locator::Css(css)).await {
                Ok(el) => el.prop("textContent").await?.unwrap_or_default(),
                Err(e) if e.is_no_such_element() => String::new(),
                Err(e) => return Err(e),
            };
            if ok(&text) {
                return Ok(text);
            }
            assert!(
                Instant::now() < deadline,
                "{css}: {what} not seen within {SYNC_WAIT:?}; it reads {text:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until `css` matches nothing: a state that must go away after a change.
    pub async fn wait_gone(&self, css: &str) -> Result {
        let deadline = Instant::now() + WAIT;
        while !self.all(css).await?.is_empty() {
            assert!(
                Instant::now() < deadline,
                "{css} still present after {WAIT:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(())
    }

    /// Waits until no dialog is open.
    pub async fn wait_no_dialog(&self) -> Result {
        self.wait_gone("dialog[open]").await
    }

    /// Waits until `css` matches exactly `n` elements.
    pub async fn wait_count(&self, css: &str, n: usize) -> Result {
        let deadline = Instant::now() + WAIT;
        loop {
            let found = self.all(css).await?.len();
            if found == n {
                return Ok(());
            }
            assert!(
                Instant::now() < deadline,
                "{css}: {found} elements, not {n}, after {WAIT:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Runs `script` in the page with `args`; returns what it returned.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.client.execute(script, args).await
    }

    /// Runs `script` in the page with `args` and a callback last; returns what it was called with.
    pub async fn execute_async(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.client.execute_async(script, args).await
    }

    /// Presses Tab as a keyboard would, wherever the focus is.
    pub async fn press_tab(&self) -> Result {
        let tab = char::from(Key::Tab);
        let keys = KeyActions::new("keyboard".to_owned())
            .then(KeyAction::Down { value: tab })
            .then(KeyAction::Up { value: tab });
        self.client.perform_actions(keys).await
    }

    /// Waits until running animations end and two frames are drawn, so a screenshot shows what
    /// the page settled on (a dialog just opened, say).
    pub async fn settle(&self) -> Result {
        self.client
            .execute_async(
                "const done = arguments[arguments.length - 1];\n\
                 Promise.all(document.getAnimations().map((a) => a.finished.catch(() => null)))\n\
                   .then(() => requestAnimationFrame(() => requestAnimationFrame(() => done(true))));",
                vec![],
            )
            .await?;
        Ok(())
    }

    /// Resizes the window to `width` by 800 px and waits until the page has learnt its new size.
    pub async fn resize(&self, width: u32) -> Result {
        self.client.set_window_size(width, 800).await?;
        let deadline = Instant::now() + WAIT;
        loop {
            let inner = self.execute("return window.innerWidth;", vec![]).await?;
            if inner.as_u64() == Some(u64::from(width)) {
                return Ok(());
            }
            assert!(
                Instant::now() < deadline,
                "the page is {inner} px wide, not {width}, after {WAIT:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Keeps a picture of the window in tests/artifacts/ for a person to look at.
    pub async fn screenshot(&self, name: &str) -> Result {
        let artifacts = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts");
        std::fs::create_dir_all(&artifacts).expect("artifacts dir");
        self.screenshot_to(&artifacts.join(name)).await
    }

    /// Writes a picture of the window, once it has settled, to ui/screenshots/ for the README.
    pub async fn readme_screenshot(&self, name: &str) -> Result {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/screenshots");
        std::fs::create_dir_all(&dir).expect("ui/screenshots");
        self.settle().await?;
        self.screenshot_to(&dir.join(name)).await
    }

    /// Writes a picture of the window to `path`.
    pub async fn screenshot_to(&self, path: &Path) -> Result {
        // WebKit without accelerated compositing (the app's web view: src-tauri/src/webview.rs)
        // takes a WebDriver screenshot after the page's next paint, and a page with nothing left
        // to paint has none: the screenshot waited for ever (the open-failure screen, every run).
        // Until the screenshot is back, an invisible pixel changes between two transparent colours
        // every 50 ms, so a next paint always comes; then it is stopped and removed.
        self.execute(
            "clearInterval(window.__e2eNudge);\n\
             let n = document.getElementById('e2e-paint-nudge');\n\
             if (!n) {\n\
               n = document.createElement('div');\n\
               n.id = 'e2e-paint-nudge';\n\
               n.setAttribute('aria-hidden', 'true');\n\
               n.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;pointer-events:none';\n\
             }\n\
             if (!n.isConnected) (document.body || document.documentElement).appendChild(n);\n\
             let i = 0;\n\
             window.__e2eNudge = setInterval(() => {\n\
               n.style.background = i++ % 2 ? 'rgba(0, 0, 0, 0)' : 'rgba(255, 255, 255, 0)';\n\
             }, 50);",
            vec![],
        )
        .await?;
        let shot = self.client.screenshot().await;
        self.execute(
            "clearInterval(window.__e2eNudge);\n\
             document.getElementById('e2e-paint-nudge')?.remove();",
            vec![],
        )
        .await?;
        let shot = shot?;
        std::fs::write(path, shot)
            .unwrap_or_else(|e| panic!("write the screenshot {}: {e}", path.display()));
        Ok(())
    }
}
