//! End to end: the real app binary, driven through tauri-driver and WebKitWebDriver, on a fresh
//! data folder. Run by `make test` inside `tests/scripts/headless.sh` (Xvfb + a D-Bus session).

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use pedalwrencher_tests::fake_strava::{
    is_ride, sample_garage, FakeStrava, CLIENT_ID, CLIENT_SECRET,
};
use serde_json::Value;

/// Kills tauri-driver (and with it the app) however the test ends.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn target_dir() -> PathBuf {
    // tests/ → workspace root → target/debug
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("debug")
}

fn app_binary() -> PathBuf {
    let app = target_dir().join(format!("pedalwrencher{}", std::env::consts::EXE_SUFFIX));
    assert!(
        app.exists(),
        "{} is missing: build it with `make app` first",
        app.display()
    );
    app.canonicalize().expect("app path")
}

fn start_driver(data_dir: &std::path::Path) -> (Driver, u16) {
    start_driver_with(data_dir, &[], Stdio::inherit())
}

/// tauri-driver with extra environment for the app it starts (the app inherits the driver's).
fn start_driver_with_env(data_dir: &std::path::Path, env: &[(&str, String)]) -> (Driver, u16) {
    let env: Vec<(&str, std::ffi::OsString)> = env
        .iter()
        .map(|(k, v)| (*k, std::ffi::OsString::from(v)))
        .collect();
    start_driver_with(data_dir, &env, Stdio::inherit())
}

/// tauri-driver (and so the app) with more environment variables, and its standard error (the
/// app's log) sent where the test says.
fn start_driver_with(
    data_dir: &std::path::Path,
    env: &[(&str, std::ffi::OsString)],
    stderr: Stdio,
) -> (Driver, u16) {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "no DISPLAY: run through `make test-e2e` (tests/scripts/headless.sh)"
    );
    let (port, native_port) = (free_port(), free_port());
    let child = Command::new("tauri-driver")
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
        ])
        .env("PEDALWRENCHER_DATA_DIR", data_dir)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .expect("tauri-driver on PATH (cargo install tauri-driver --locked)");
    let driver = Driver(child);
    // Wait (bounded) until both tauri-driver and the WebKitWebDriver it spawns behind it accept
    // connections: the proxy listens at once, and a session asked for before the native driver
    // is up fails with an incomplete answer.
    let deadline = Instant::now() + Duration::from_secs(30);
    for p in [native_port, port] {
        let addr = SocketAddr::from(([127, 0, 0, 1], p));
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            assert!(
                Instant::now() < deadline,
                "the WebDriver on {addr} did not listen within 30 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    (driver, port)
}

async fn connect(port: u16) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), "wry".into());
    caps.insert(
        "tauri:options".into(),
        serde_json::json!({ "application": app_binary() }),
    );
    ClientBuilder::native()
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("WebDriver session")
}

const WAIT: Duration = Duration::from_secs(30);

async fn wait_for(
    client: &Client,
    css: &str,
) -> Result<fantoccini::elements::Element, fantoccini::error::CmdError> {
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
}

/// Waits (bounded) until `css` matches nothing: a state that must go away after a change.
async fn wait_gone(client: &Client, css: &str) -> Result<(), fantoccini::error::CmdError> {
    let deadline = Instant::now() + WAIT;
    while !client.find_all(Locator::Css(css)).await?.is_empty() {
        assert!(
            Instant::now() < deadline,
            "{css} still present after {WAIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// Waits until running animations end and two frames are drawn, so a screenshot shows what
/// the page settled on (a dialog just opened, say).
async fn settle(client: &Client) -> Result<(), fantoccini::error::CmdError> {
    client
        .execute_async(
            "const done = arguments[arguments.length - 1];\n\
             Promise.all(document.getAnimations().map((a) => a.finished.catch(() => null)))\n\
               .then(() => requestAnimationFrame(() => requestAnimationFrame(() => done(true))));",
            vec![],
        )
        .await?;
    Ok(())
}

/// Keeps a picture of the window in tests/artifacts/ for a person to look at.
async fn save_screenshot(client: &Client, name: &str) -> Result<(), fantoccini::error::CmdError> {
    let shot = client.screenshot().await?;
    let artifacts = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts");
    std::fs::create_dir_all(&artifacts).expect("artifacts dir");
    std::fs::write(artifacts.join(name), shot).expect("write screenshot");
    Ok(())
}

async fn text_of(client: &Client, css: &str) -> Result<String, fantoccini::error::CmdError> {
    let el = wait_for(client, css).await?;
    Ok(el.prop("textContent").await?.unwrap_or_default())
}

/// Waits (bounded) until the text of `css` passes `ok` (a change the app makes after a command
/// returns); returns that text.
async fn wait_text(
    client: &Client,
    css: &str,
    what: &str,
    ok: impl Fn(&str) -> bool,
) -> Result<String, fantoccini::error::CmdError> {
    let deadline = Instant::now() + WAIT;
    loop {
        let text = text_of(client, css).await?;
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

/// Prepares a garage before the app opens it: runs `pedalwrencher-cli --data-dir DATA --json ARGS`
/// and returns what it printed. (Dates typed here are in the past: the CLI refuses later ones.)
fn cli(data: &Path, args: &[&str]) -> Value {
    let out = Command::new(pedalwrencher_tests::cli_path())
        .arg("--data-dir")
        .arg(data)
        .arg("--json")
        .args(args)
        .env_remove("PEDALWRENCHER_DATA_DIR")
        .env("PEDALWRENCHER_UNITS", "metric")
        .output()
        .expect("run pedalwrencher-cli");
    assert!(
        out.status.success(),
        "`pedalwrencher-cli {}` failed:\n{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "`pedalwrencher-cli {}` did not print JSON ({e}):\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn id_of(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {v}"))
        .to_owned()
}

/// `bike add NAME`; returns its id.
fn cli_bike(data: &Path, name: &str) -> String {
    id_of(&cli(data, &["bike", "add", name]))
}

/// `component add --kind KIND [--bike BIKE --installed DAY]`; returns its id.
fn cli_component(data: &Path, kind: &str, on: Option<(&str, &str)>) -> String {
    let mut args = vec!["component", "add", "--kind", kind];
    if let Some((bike, day)) = on {
        args.extend(["--bike", bike, "--installed", day]);
    }
    id_of(&cli(data, &args)["component"])
}

/// `ride add --bike BIKE --date DAY --distance KM`.
fn cli_ride(data: &Path, bike: &str, day: &str, km: &str) {
    cli(
        data,
        &[
            "ride",
            "add",
            "--bike",
            bike,
            "--date",
            day,
            "--distance",
            km,
        ],
    );
}

#[tokio::test(flavor = "current_thread")]
async fn forms_add_a_bike_a_chain_and_a_ride_and_done_resets_the_lube_counter() {
    let data = tempfile::tempdir().expect("temp data dir");
    let (_driver, port) = start_driver(data.path());
    let client = connect(port).await;

    let result = async {
        wait_for(&client, "[data-testid='load-demo']").await?;

        // Add a bike through the form. (WebKitWebDriver cannot type characters outside the BMP,
        // so emoji round-trips are covered by the CLI tests instead.)
        wait_for(&client, "[data-testid='open-add-bike']")
            .await?
            .click()
            .await?;
        wait_for(&client, "dialog[open] input[id$='-name']")
            .await?
            .send_keys("Vélo commuter")
            .await?;
        wait_for(
            &client,
            "dialog[open] select[id$='-kind'] option[value='city']",
        )
        .await?
        .click()
        .await?;
        wait_for(&client, "[data-testid='add-bike-submit']")
            .await?
            .click()
            .await?;
        let card = text_of(&client, "[data-testid='bike-card']").await?;
        assert!(card.contains("Vélo commuter"), "bike card: {card}");

        // Add a chain from the presets: it comes with its default rules.
        wait_gone(&client, "dialog[open]").await?;
        wait_for(&client, "[data-testid='open-add-component']")
            .await?
            .click()
            .await?;
        wait_for(
            &client,
            "dialog[open] select[id$='-preset'] option[value='chain']",
        )
        .await?
        .click()
        .await?;
        save_screenshot(&client, "e2e-add-component.png").await?;
        wait_for(&client, "[data-testid='add-component-submit']")
            .await?
            .click()
            .await?;
        let row = text_of(&client, "[data-testid='component-row']").await?;
        assert!(
            row.contains("Chain") && row.contains("Replace") && row.contains("Clean and lube"),
            "row: {row}"
        );

        // Log 2,500 km: the lube (300 km) is due, the chain (3,000 km) due soon.
        wait_gone(&client, "dialog[open]").await?;
        wait_for(&client, "[data-testid='open-log-ride']")
            .await?
            .click()
            .await?;
        wait_for(&client, "dialog[open] input[id$='-distance']")
            .await?
            .send_keys("2500")
            .await?;
        wait_for(&client, "dialog[open] input[id$='-time']")
            .await?
            .send_keys("80:00")
            .await?;
        wait_for(&client, "[data-testid='log-ride-submit']")
            .await?
            .click()
            .await?;
        wait_for(&client, "[data-testid='component-row'][data-state='due']").await?;
        let due = text_of(&client, "[data-testid='due-row'][data-state='due']").await?;
        assert!(due.contains("Clean and lube"), "due row: {due}");
        let soon = text_of(&client, "[data-testid='due-row'][data-state='due_soon']").await?;
        assert!(
            soon.contains("Replace") && soon.contains("500 km"),
            "due soon row: {soon}"
        );

        // Mark the lube done: the chain drops back to due soon and the lube leaves the list.
        wait_gone(&client, "dialog[open]").await?;
        wait_for(
            &client,
            "[data-testid='mark-done'][data-task='Clean and lube']",
        )
        .await?
        .click()
        .await?;
        wait_for(&client, "[data-testid='mark-done-confirm']")
            .await?
            .click()
            .await?;
        wait_for(
            &client,
            "[data-testid='component-row'][data-state='due_soon']",
        )
        .await?;
        wait_gone(&client, "[data-testid='due-row'][data-state='due']").await?;
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    let closed = client.close().await;
    result.expect("form flow");
    closed.expect("close the session");
}

#[tokio::test(flavor = "current_thread")]
async fn fresh_app_loads_the_demo_and_shows_a_due_component_on_the_dashboard() {
    let data = tempfile::tempdir().expect("temp data dir");
    let (_driver, port) = start_driver(data.path());
    let client = connect(port).await;

    let result = async {
        // A fresh data folder shows the empty garage with its demo button.
        let load = client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css("[data-testid='load-demo']"))
            .await?;
        assert!(client
            .find_all(Locator::Css("[data-testid='bike-card']"))
            .await?
            .is_empty());
        load.click().await?;

        let due = client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(
                "[data-testid='due-list'] [data-testid='due-row'][data-state='due']",
            ))
            .await?;
        // textContent, not the rendered text: long names are ellipsised in the side column.
        let text = due.prop("textContent").await?.unwrap_or_default();
        assert!(
            text.contains("Shimano Ultegra chain"),
            "first due row: {text}"
        );
        assert!(
            text.contains("Canyon Endurace"),
            "due row names the bike: {text}"
        );

        let due_components = client
            .find_all(Locator::Css(
                "[data-testid='component-row'][data-state='due']",
            ))
            .await?;
        assert!(!due_components.is_empty(), "a component row is marked due");
        let cards = client
            .find_all(Locator::Css("[data-testid='bike-card']"))
            .await?;
        assert_eq!(cards.len(), 3, "the demo has three bikes");

        // The stylesheet applied (a broken CSS bundle renders every element unstyled while the
        // DOM, and so every other assertion here, stays the same).
        let styled = client
            .execute(
                "const h = document.querySelector('header'); \
                 const c = document.querySelector('[data-testid=\"bike-card\"]'); \
                 return [getComputedStyle(h).display, getComputedStyle(c).borderTopLeftRadius];",
                vec![],
            )
            .await?;
        assert_eq!(
            styled[0], "flex",
            "the header is laid out by the stylesheet: {styled}"
        );
        assert_ne!(
            styled[1], "0px",
            "bike cards have their rounded corners: {styled}"
        );
        save_screenshot(&client, "e2e-dashboard.png").await?;
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    let closed = client.close().await;
    result.expect("dashboard flow");
    closed.expect("close the session");

    // The app wrote to the data folder it was given, not the rider's own.
    assert!(data.path().join("pedalwrencher.sqlite3").exists());
}

/// Everything the header shows: the brand, the due pills, the sync chips and the buttons.
const HEADER_ITEMS: &str =
    "header .brand, header .summary .pill, header [data-testid$='-chip'], header nav button";

/// Resizes the window and reports what in the header overlaps, leaves the window, wraps onto a
/// second line or clips its words (a sync chip may ellipsise its words, but keeps its mark).
/// Returns the page's width and the problems found.
async fn header_problems(
    client: &Client,
    width: u32,
) -> Result<(u64, Vec<String>), fantoccini::error::CmdError> {
    client.set_window_size(width, 800).await?;
    // The page learns its new size a moment after the window: wait (bounded) for it.
    let deadline = Instant::now() + WAIT;
    loop {
        let inner = client.execute("return window.innerWidth;", vec![]).await?;
        if inner.as_u64() == Some(u64::from(width)) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the page is {inner} px wide, not {width}, after {WAIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    settle(client).await?;
    let found = client
        .execute(
            "const vw = document.documentElement.clientWidth;\n\
             const items = [...document.querySelectorAll(arguments[0])].map((e) => ({\n\
               e, r: e.getBoundingClientRect(),\n\
               n: e.dataset.testid || e.getAttribute('aria-label') || e.textContent.trim() || e.className,\n\
             }));\n\
             const out = [];\n\
             for (const { e, r, n } of items) {\n\
               if (r.left < 0 || r.right > vw) out.push(`${n} spans ${Math.round(r.left)}..${Math.round(r.right)} of ${vw} px`);\n\
               if (r.height > 40) out.push(`${n} wraps (${Math.round(r.height)} px tall)`);\n\
               if (e.scrollWidth > e.clientWidth + 1) out.push(`${n} is too small for what it holds`);\n\
               for (const c of e.children) {\n\
                 const cr = c.getBoundingClientRect();\n\
                 if (cr.width && (cr.left < r.left - 0.5 || cr.right > r.right + 0.5)) out.push(`${n} spills its ${c.tagName}`);\n\
               }\n\
             }\n\
             for (let i = 0; i < items.length; i++) for (let j = i + 1; j < items.length; j++) {\n\
               const a = items[i].r, b = items[j].r;\n\
               if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1)\n\
                 out.push(`${items[i].n} overlaps ${items[j].n}`);\n\
             }\n\
             if (items.length < 9) out.push(`only ${items.length} header items found`);\n\
             return [vw, out];",
            vec![Value::from(HEADER_ITEMS)],
        )
        .await?;
    let vw = found[0].as_u64().unwrap_or_default();
    let problems = found[1]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| p.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    Ok((vw, problems))
}

#[tokio::test(flavor = "current_thread")]
async fn the_header_fits_from_the_default_window_down_to_the_narrowest() {
    let data = tempfile::tempdir().expect("temp data dir");
    cli(data.path(), &["demo"]);
    let (_driver, port) = start_driver(data.path());
    let client = connect(port).await;

    let result = async {
        wait_for(&client, "[data-testid='bike-card']").await?;
        // tauri.conf.json: 1280 px by default, 880 px at the narrowest; each breakpoint (Header.
        // svelte, SyncChip.svelte) and one pixel wider, where the header is most crowded. First
        // as the demo shows it, then with the longest Strava summary the core writes.
        let widths = [1400, 1321, 1320, 1280, 1181, 1180, 1061, 1060, 981, 980, 880];
        for longest in [false, true] {
            if longest {
                client
                    .execute(
                        "document.querySelector(\"[data-testid='strava-chip-text']\").textContent = \n\
                           \"Strava's rate limit reached — resuming at 24 Nov 14:15\";",
                        vec![],
                    )
                    .await?;
            }
            for width in widths {
                let (vw, problems) = header_problems(&client, width).await?;
                assert!(
                    vw <= u64::from(width) && vw + 30 > u64::from(width),
                    "the page is {vw} px wide in a {width} px window"
                );
                assert!(
                    problems.is_empty(),
                    "at {width} px (longest Strava summary: {longest}): {problems:#?}"
                );
                if width == 880 && !longest {
                    save_screenshot(&client, "e2e-header-880.png").await?;
                }
                if width == 1181 && longest {
                    save_screenshot(&client, "e2e-header-1181-long.png").await?;
                }
            }
        }
        // The narrowest header still says what each control is.
        let names = client
            .execute(
                "return [...document.querySelectorAll(arguments[0])]\n\
                   .filter((e) => e.tagName === 'BUTTON').map((e) => e.getAttribute('aria-label'));",
                vec![Value::from(HEADER_ITEMS)],
            )
            .await?;
        let names = names.to_string();
        for name in ["Strava", "Devices", "Notifications", "Add component", "Add bike"] {
            assert!(names.contains(name), "no control is named {name:?}: {names}");
        }
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    let closed = client.close().await;
    result.expect("header at every width");
    closed.expect("close the session");
}

#[tokio::test(flavor = "current_thread")]
async fn a_garage_that_cannot_be_opened_is_explained_and_try_again_recovers() {
    let data = tempfile::tempdir().expect("temp data dir");
    // A folder where the database file should be: SQLite cannot open it (even as root).
    let db = data.path().join("pedalwrencher.sqlite3");
    std::fs::create_dir(&db).expect("block the database path");
    let (_driver, port) = start_driver(data.path());
    let client = connect(port).await;

    let result = async {
        let text = text_of(&client, "[data-testid='open-failed']").await?;
        assert!(
            text.contains("can't open your garage")
                && text.contains("could not open the garage database"),
            "failure screen: {text}"
        );
        // The empty garage (whose buttons would all fail) is not offered instead.
        assert!(client
            .find_all(Locator::Css("[data-testid='load-demo']"))
            .await?
            .is_empty());
        let add = wait_for(&client, "[data-testid='open-add-bike']").await?;
        assert!(
            add.attr("disabled").await?.is_some(),
            "Add bike is disabled"
        );
        save_screenshot(&client, "e2e-open-failed.png").await?;

        // The rider fixes the cause and tries again, without restarting.
        std::fs::remove_dir(&db).expect("unblock the database path");
        wait_for(&client, "[data-testid='open-retry']")
            .await?
            .click()
            .await?;
        wait_for(&client, "[data-testid='load-demo']").await?;
        wait_gone(&client, "[data-testid='open-failed']").await?;
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    let closed = client.close().await;
    result.expect("open-failure flow");
    closed.expect("close the session");
    assert!(
        db.is_file(),
        "the garage was created once the path was free"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn parts_on_a_retired_bike_stay_visible_and_inactive() {
    let data = tempfile::tempdir().expect("temp data dir");
    // A bike in use whose chain needs its lube, and a retired one whose chain is worn out.
    let daily = cli_bike(data.path(), "Daily");
    cli_component(data.path(), "chain", Some((&daily, "2026-01-01")));
    cli_ride(data.path(), &daily, "2026-02-01", "400");
    let old = cli_bike(data.path(), "Old steel");
    cli_component(data.path(), "chain", Some((&old, "2026-01-01")));
    cli_ride(data.path(), &old, "2026-02-01", "3000");
    cli(data.path(), &["bike", "retire", &old]);

    let (_driver, port) = start_driver(data.path());
    let client = connect(port).await;

    let result = async {
        // The retired bike's chain is listed with its rules, its state as it stands, inactive.
        let retired_row = "[data-testid='bike-card'].retired [data-testid='component-row']";
        let row = wait_for(&client, retired_row).await?;
        assert_eq!(row.attr("data-active").await?.as_deref(), Some("false"));
        assert_eq!(row.attr("data-state").await?.as_deref(), Some("due"));
        let text = row.prop("textContent").await?.unwrap_or_default();
        assert!(
            text.contains("Chain")
                && text.contains("Clean and lube")
                && text.contains("Replace")
                && text.contains("3,000 km / 3,000 km")
                && text.contains("Inactive — bike retired"),
            "retired chain row: {text}"
        );
        let rules = row
            .find_all(Locator::Css("[data-testid='rule-line']"))
            .await?;
        assert_eq!(rules.len(), 2, "both chain rules are listed");
        for rule in &rules {
            assert_eq!(rule.attr("data-active").await?.as_deref(), Some("false"));
        }
        assert!(
            row.find_all(Locator::Css("[data-testid='mark-done']"))
                .await?
                .is_empty(),
            "an inactive part offers no Done"
        );

        // The bike in use is active and reminds; the retired chain does not.
        let active = wait_for(
            &client,
            "[data-testid='bike-card']:not(.retired) [data-testid='component-row']",
        )
        .await?;
        assert_eq!(active.attr("data-active").await?.as_deref(), Some("true"));
        let due_rows = client
            .find_all(Locator::Css(
                "[data-testid='due-list'] [data-testid='due-row']",
            ))
            .await?;
        assert_eq!(
            due_rows.len(),
            1,
            "only the active chain's lube needs attention"
        );
        let due = due_rows[0].prop("textContent").await?.unwrap_or_default();
        assert!(
            due.contains("Clean and lube") && due.contains("Daily") && !due.contains("Old steel"),
            "due row: {due}"
        );
        let header = text_of(&client, "[data-testid='summary']").await?;
        assert!(header.contains("1 due"), "header counts: {header}");

        save_screenshot(&client, "e2e-retired.png").await?;
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    let closed = client.close().await;
    result.expect("retired-bike flow");
    closed.expect("close the session");
}

#[tokio::test(flavor = "current_thread")]
async fn a_shelf_part_is_marked_done_from_the_shelf() {
    let data = tempfile::tempdir().expect("temp data dir");
    // Sealant mounted in June and taken off in July: on the shelf, its 90-day refresh overdue.
    let bike = cli_bike(data.path(), "Gravel");
    let sealant = cli_component(data.path(), "sealant", Some((&bike, "2026-06-01")));
    cli(
        data.path(),
        &["component", "remove", &sealant, "--at", "2026-07-01"],
    );

    let (_driver, port) = start_driver(data.path());
    let client = connect(port).await;

    let result = async {
        let shelf = text_of(&client, "[data-testid='shelf']").await?;
        assert!(
            shelf.contains("Shelf")
                && shelf.contains("Tubeless sealant")
                && shelf.contains("Refresh sealant"),
            "shelf: {shelf}"
        );
        let row = wait_for(
            &client,
            "[data-testid='shelf'] [data-testid='component-row']",
        )
        .await?;
        assert_eq!(row.attr("data-state").await?.as_deref(), Some("due"));
        assert_eq!(row.attr("data-active").await?.as_deref(), Some("true"));
        // The bike card has no parts; the shelf part reminds like any other.
        let card = text_of(&client, "[data-testid='bike-card']").await?;
        assert!(!card.contains("Tubeless sealant"), "bike card: {card}");
        let due = text_of(&client, "[data-testid='due-row'][data-state='due']").await?;
        assert!(
            due.contains("Tubeless sealant") && due.contains("· Shelf"),
            "due row: {due}"
        );
        save_screenshot(&client, "e2e-shelf.png").await?;

        // Done from the shelf: the refresh starts again.
        wait_for(&client, "[data-testid='shelf'] [data-testid='mark-done']")
            .await?
            .click()
            .await?;
        wait_for(
            &client,
            "[data-testid='shelf'] [data-testid='mark-done-confirm']",
        )
        .await?
        .click()
        .await?;
        wait_for(
            &client,
            "[data-testid='shelf'] [data-testid='component-row'][data-state='ok']",
        )
        .await?;
        let usage = text_of(&client, "[data-testid='shelf'] [data-testid='rule-usage']").await?;
        assert_eq!(usage, "0 days / 90 days");
        wait_gone(&client, "[data-testid='due-row']").await?;

        // Mount it back on the bike (today, the default): the shelf goes away.
        wait_for(&client, "[data-testid='mount-component']")
            .await?
            .click()
            .await?;
        let bikes = client
            .find_all(Locator::Css("dialog[open] select[id$='-bike'] option"))
            .await?;
        assert_eq!(bikes.len(), 1, "the one bike in use is offered");
        wait_for(
            &client,
            &format!("dialog[open] select[id$='-bike'] option[value='{bike}']"),
        )
        .await?
        .click()
        .await?;
        let day = wait_for(&client, "dialog[open] input[id$='-date']")
            .await?
            .prop("value")
            .await?
            .unwrap_or_default();
        assert_eq!(day.len(), 10, "the day defaults to today: {day:?}");
        save_screenshot(&client, "e2e-mount.png").await?;
        wait_for(&client, "[data-testid='mount-submit']")
            .await?
            .click()
            .await?;
        wait_gone(&client, "dialog[open]").await?;
        wait_gone(&client, "[data-testid='shelf']").await?;
        let card = text_of(&client, "[data-testid='bike-card']").await?;
        assert!(card.contains("Tubeless sealant"), "bike card: {card}");
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    let closed = client.close().await;
    result.expect("shelf flow");
    closed.expect("close the session");
}

#[tokio::test(flavor = "current_thread")]
async fn done_then_undo_restores_the_previous_wear() {
    let data = tempfile::tempdir().expect("temp data dir");
    let bike = cli_bike(data.path(), "Road");
    cli_component(data.path(), "chain", Some((&bike, "2026-01-01")));
    cli_ride(data.path(), &bike, "2026-02-01", "1500");
    cli_ride(data.path(), &bike, "2026-03-01", "1000");

    let (_driver, port) = start_driver(data.path());
    let client = connect(port).await;

    let result = async {
        let lube = "[data-testid='rule-line'][data-task='Clean and lube']";
        let usage_css = format!("{lube} [data-testid='rule-usage']");
        let before = text_of(&client, &usage_css).await?;
        assert_eq!(before, "2,500 km / 300 km");
        let rule = wait_for(&client, lube).await?;
        assert_eq!(rule.attr("data-state").await?.as_deref(), Some("due"));

        wait_for(&client, &format!("{lube} [data-testid='mark-done']"))
            .await?
            .click()
            .await?;
        wait_for(
            &client,
            &format!("{lube} [data-testid='mark-done-confirm']"),
        )
        .await?
        .click()
        .await?;
        let after = wait_text(&client, &usage_css, "the counter starting again", |t| {
            t != before
        })
        .await?;
        assert_eq!(after, "0 km / 300 km");
        wait_for(&client, &format!("{lube}[data-state='ok']")).await?;

        // The toast names what was done and offers Undo.
        let toast = text_of(&client, "[data-testid='undo-banner']").await?;
        assert!(
            toast.contains("“Clean and lube” on Chain marked done") && toast.contains("Undo"),
            "toast: {toast}"
        );
        save_screenshot(&client, "e2e-undo.png").await?;
        wait_for(&client, "[data-testid='undo-done']")
            .await?
            .click()
            .await?;

        // The wear is back where it was, and the Undo offer is gone.
        let restored = wait_text(&client, &usage_css, "the previous wear", |t| t == before).await?;
        assert_eq!(restored, before);
        wait_for(&client, &format!("{lube}[data-state='due']")).await?;
        wait_gone(&client, "[data-testid='undo-banner']").await?;
        let due = text_of(&client, "[data-testid='due-row'][data-state='due']").await?;
        assert!(due.contains("Clean and lube"), "due row: {due}");
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    let closed = client.close().await;
    result.expect("undo flow");
    closed.expect("close the session");
}

/// Ride counts per bike name as the bike cards show them.
async fn bike_ride_counts(
    client: &Client,
) -> Result<std::collections::BTreeMap<String, i64>, fantoccini::error::CmdError> {
    let mut counts = std::collections::BTreeMap::new();
    for card in client
        .find_all(Locator::Css("[data-testid='bike-card']"))
        .await?
    {
        let name = card
            .find(Locator::Css("[data-testid='bike-name']"))
            .await?
            .prop("textContent")
            .await?
            .unwrap_or_default();
        let rides = card
            .find(Locator::Css("[data-testid='bike-rides']"))
            .await?
            .attr("data-count")
            .await?
            .and_then(|n| n.parse().ok())
            .unwrap_or(-1);
        counts.insert(name.trim().to_owned(), rides);
    }
    Ok(counts)
}

/// Waits (bounded) until the bike cards show `expected` ride counts.
async fn wait_ride_counts(
    client: &Client,
    expected: &std::collections::BTreeMap<String, i64>,
) -> Result<(), fantoccini::error::CmdError> {
    let deadline = Instant::now() + WAIT;
    loop {
        let counts = bike_ride_counts(client).await?;
        if &counts == expected {
            return Ok(());
        }
        assert!(
            Instant::now() < deadline,
            "bike cards show {counts:?}, not {expected:?}, after {WAIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits (bounded) until `css` matches exactly `n` elements.
async fn wait_count(
    client: &Client,
    css: &str,
    n: usize,
) -> Result<(), fantoccini::error::CmdError> {
    let deadline = Instant::now() + WAIT;
    loop {
        let found = client.find_all(Locator::Css(css)).await?.len();
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

/// A directory holding an `xdg-open` that does what a browser would with Strava's page: fetch it
/// and follow its redirect to the app's listener on 127.0.0.1 (the fake approves at once). The
/// opener plugin runs `xdg-open URL` on Linux, found on PATH.
fn fake_browser(dir: &Path, log: &Path) -> std::ffi::OsString {
    use std::os::unix::fs::PermissionsExt;
    let script = dir.join("xdg-open");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\n# The test's browser: follows Strava's authorize page to the app's listener.\n\
             echo \"opened $1\" >> '{log}'\n\
             exec curl -sS -L --noproxy '*' --max-time 30 -o /dev/null -w '%{{http_code}} %{{url_effective}}\\n' \"$1\" >> '{log}' 2>&1\n",
            log = log.display()
        ),
    )
    .expect("write the fake xdg-open");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
        .expect("make it executable");
    let mut path = dir.as_os_str().to_owned();
    if let Some(rest) = std::env::var_os("PATH") {
        path.push(":");
        path.push(rest);
    }
    path
}

#[tokio::test(flavor = "current_thread")]
async fn connecting_to_strava_through_the_loopback_flow_imports_rides_onto_the_right_bikes() {
    // Thirty activities over the last month on Strava: rides on three bikes (one retired in
    // Strava), some without gear, a few runs.
    let now_s = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let fake = FakeStrava::start(sample_garage(30, now_s - 2 * 3600, 86_400));
    let (expected, gearless) = {
        let st = fake.state();
        let name = |g: &str| {
            st.gear
                .iter()
                .find(|x| x.id == g)
                .map(|x| x.name.clone())
                .expect("known gear")
        };
        let mut per_bike = std::collections::BTreeMap::new();
        let mut gearless = 0usize;
        for a in st.activities.iter().filter(|a| is_ride(a)) {
            match &a.gear_id {
                Some(g) => *per_bike.entry(name(g)).or_insert(0i64) += 1,
                None => gearless += 1,
            }
        }
        (per_bike, gearless)
    };
    assert!(
        expected.len() == 3 && gearless >= 2,
        "{expected:?} {gearless}"
    );

    let data = tempfile::tempdir().expect("temp data dir");
    let bin = tempfile::tempdir().expect("temp bin dir");
    let browser_log = bin.path().join("browser.log");
    let app_log = bin.path().join("app.log");
    let path = fake_browser(bin.path(), &browser_log);
    let (_driver, port) = start_driver_with(
        data.path(),
        &[
            ("PEDALWRENCHER_STRAVA_URL", fake.url().into()),
            ("PEDALWRENCHER_SECRETS", "file".into()),
            ("PEDALWRENCHER_LOG", "debug".into()),
            ("PATH", path),
            ("NO_PROXY", "127.0.0.1,localhost".into()),
            ("no_proxy", "127.0.0.1,localhost".into()),
        ],
        Stdio::from(std::fs::File::create(&app_log).expect("app log")),
    );
    let client = connect(port).await;

    let result = async {
        // The fresh garage offers Strava from the header; the section explains how to connect.
        let chip = wait_for(&client, "[data-testid='strava-chip']").await?;
        assert_eq!(chip.attr("data-health").await?.as_deref(), Some("off"));
        chip.click().await?;
        let guide = text_of(&client, "[data-testid='strava-guide']").await?;
        assert!(
            guide.contains("strava.com/settings/api")
                && guide.contains("Authorization Callback Domain")
                && guide.contains("localhost")
                && guide.contains("Client Secret"),
            "guide: {guide}"
        );
        settle(&client).await?;
        save_screenshot(&client, "e2e-strava-guide.png").await?;

        wait_for(&client, "[data-testid='strava-client-id']")
            .await?
            .send_keys(CLIENT_ID)
            .await?;
        wait_for(&client, "[data-testid='strava-client-secret']")
            .await?
            .send_keys(CLIENT_SECRET)
            .await?;
        wait_for(&client, "[data-testid='strava-connect']")
            .await?
            .click()
            .await?;

        // The "browser" approves; the app keeps the connection and syncs on its own.
        let summary = wait_text(&client, "[data-testid='strava-summary']", "Synced", |t| {
            t.contains("Synced")
        })
        .await
        .inspect_err(|_| {
            eprintln!(
                "browser log:\n{}",
                std::fs::read_to_string(&browser_log).unwrap_or_default()
            );
        })?;
        assert!(summary.starts_with("Synced"), "summary: {summary}");
        let athlete = text_of(&client, "[data-testid='strava-athlete']").await?;
        assert_eq!(athlete.trim(), "Marianne Vos");
        let rate = text_of(&client, "[data-testid='strava-rate-limit']").await?;
        assert!(
            rate.contains("/100 this quarter hour") && rate.contains("/1,000 today"),
            "rate limit: {rate}"
        );
        let last = text_of(&client, "[data-testid='strava-last-sync']").await?;
        assert!(last.starts_with("Today"), "last sync: {last}");
        let next = text_of(&client, "[data-testid='strava-next-sync']").await?;
        assert!(next.contains("in "), "next sync: {next}");
        let chip = wait_for(&client, "[data-testid='strava-chip']").await?;
        assert_eq!(chip.attr("data-health").await?.as_deref(), Some("ok"));
        settle(&client).await?;
        save_screenshot(&client, "e2e-strava-connected.png").await?;
        // Every token issued so far, before disconnecting makes the fake forget them.
        let issued = fake.state().secrets();

        // Every bike arrived, each ride on the bike Strava names.
        wait_ride_counts(&client, &expected).await?;

        // The gear-less rides wait for a bike; assigning one moves it onto that bike.
        wait_for(&client, "[data-testid='strava-tab-unassigned']")
            .await?
            .click()
            .await?;
        wait_count(&client, "[data-testid='unassigned-ride']", gearless).await?;
        settle(&client).await?;
        save_screenshot(&client, "e2e-strava-unassigned.png").await?;
        let first = wait_for(&client, "[data-testid='unassigned-ride']").await?;
        let mut picked = false;
        for option in first
            .find_all(Locator::Css("[data-testid='unassigned-bike'] option"))
            .await?
        {
            if option.text().await?.trim() == "Gravel bike" {
                option.click().await?;
                picked = true;
            }
        }
        assert!(picked, "the picker offers the Gravel bike");
        first
            .find(Locator::Css("[data-testid='unassigned-assign']"))
            .await?
            .click()
            .await?;
        wait_count(&client, "[data-testid='unassigned-ride']", gearless - 1).await?;
        let mut after = expected.clone();
        *after.get_mut("Gravel bike").expect("gravel bike") += 1;
        wait_ride_counts(&client, &after).await?;
        let note = text_of(&client, "[data-testid='strava-note']").await?;
        assert!(note.contains("now counts on Gravel bike"), "note: {note}");

        // Closed, the section leaves the sync's health in the header.
        wait_for(&client, "[data-testid='strava-close']")
            .await?
            .click()
            .await?;
        wait_gone(&client, "[data-testid='strava-panel']").await?;
        let chip = text_of(&client, "[data-testid='strava-chip-text']").await?;
        assert!(chip.starts_with("Synced"), "header chip: {chip}");
        settle(&client).await?;
        save_screenshot(&client, "e2e-strava-dashboard.png").await?;
        wait_for(&client, "[data-testid='strava-chip']")
            .await?
            .click()
            .await?;

        // Disconnecting revokes at Strava and deletes its rides; the guide is back.
        wait_for(&client, "[data-testid='strava-tab-connection']")
            .await?
            .click()
            .await?;
        // The sync interval is this device's setting, in settings.json in the data folder.
        wait_for(
            &client,
            "[data-testid='strava-interval'] option[value='30']",
        )
        .await?
        .click()
        .await?;
        let settings = data.path().join("settings.json");
        let deadline = Instant::now() + WAIT;
        loop {
            let text = std::fs::read_to_string(&settings).unwrap_or_default();
            let saved: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            if saved["sync_interval_minutes"] == 30 {
                break;
            }
            assert!(Instant::now() < deadline, "settings.json reads {text:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        wait_for(&client, "[data-testid='strava-disconnect']")
            .await?
            .click()
            .await?;
        let confirm = text_of(&client, "[data-testid='strava-disconnect-confirm-box']").await?;
        assert!(
            confirm.contains("deleted") && confirm.contains("wear") && confirm.contains("kept"),
            "confirm: {confirm}"
        );
        wait_for(&client, "[data-testid='strava-disconnect-confirm']")
            .await?
            .click()
            .await?;
        wait_for(&client, "[data-testid='strava-guide']").await?;
        let zero: std::collections::BTreeMap<String, i64> =
            expected.keys().map(|k| (k.clone(), 0)).collect();
        wait_ride_counts(&client, &zero).await?;
        Ok::<Vec<String>, fantoccini::error::CmdError>(issued)
    }
    .await;
    let closed = client.close().await;
    let issued = result.expect("Strava flow");
    closed.expect("close the session");

    let st = fake.state();
    assert_eq!(
        st.count("GET /oauth/authorize"),
        1,
        "one trip to Strava's page"
    );
    assert_eq!(st.deauthorized, 1, "disconnect revoked at Strava");
    let browser = std::fs::read_to_string(&browser_log).unwrap_or_default();
    assert!(
        browser.contains("200 http://127.0.0.1:") && browser.contains("/strava/callback"),
        "the browser landed on the app's listener: {browser}"
    );
    // No token or secret in the garage's files (the private secrets file aside) or the app's log.
    let log = std::fs::read(&app_log).unwrap_or_default();
    assert!(
        String::from_utf8_lossy(&log).contains("Strava sync done"),
        "the app's log was captured"
    );
    let mut files = vec![("app log".to_owned(), log)];
    for entry in std::fs::read_dir(data.path()).expect("data dir") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        if name != "secrets.json" && path.is_file() {
            files.push((name, std::fs::read(&path).expect("read")));
        }
    }
    assert!(issued.len() >= 3, "tokens were issued: {}", issued.len());
    for secret in issued {
        for (name, bytes) in &files {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "a secret appears in {name}"
            );
        }
    }
}

/// Connects the fresh app to `fake` through the Strava section, as a rider would; returns when
/// the first sync is done.
async fn connect_strava(client: &Client) -> Result<(), fantoccini::error::CmdError> {
    wait_for(client, "[data-testid='strava-chip']")
        .await?
        .click()
        .await?;
    wait_for(client, "[data-testid='strava-client-id']")
        .await?
        .send_keys(CLIENT_ID)
        .await?;
    wait_for(client, "[data-testid='strava-client-secret']")
        .await?
        .send_keys(CLIENT_SECRET)
        .await?;
    wait_for(client, "[data-testid='strava-connect']")
        .await?
        .click()
        .await?;
    wait_text(client, "[data-testid='strava-summary']", "Synced", |t| {
        t.contains("Synced")
    })
    .await?;
    Ok(())
}

#[tokio::test(flavor = "current_thread")]
async fn strava_out_of_reach_is_shown_as_offline_and_the_garage_stays_usable() {
    let now_s = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let fake = FakeStrava::start(sample_garage(10, now_s - 3600, 86_400));
    let data = tempfile::tempdir().expect("temp data dir");
    let bin = tempfile::tempdir().expect("temp bin dir");
    let path = fake_browser(bin.path(), &bin.path().join("browser.log"));
    let (_driver, port) = start_driver_with(
        data.path(),
        &[
            ("PEDALWRENCHER_STRAVA_URL", fake.url().into()),
            ("PEDALWRENCHER_STRAVA_BACKOFF_MS", "20".into()),
            ("PEDALWRENCHER_SECRETS", "file".into()),
            ("PATH", path),
            ("NO_PROXY", "127.0.0.1,localhost".into()),
            ("no_proxy", "127.0.0.1,localhost".into()),
        ],
        Stdio::inherit(),
    );
    let client = connect(port).await;
    let mut fake = Some(fake);

    let result = async {
        connect_strava(&client).await?;
        // Strava goes away (the network drops): Sync now says so, in the section and the header.
        drop(fake.take());
        wait_for(&client, "[data-testid='strava-sync-now']")
            .await?
            .click()
            .await?;
        let summary = wait_text(&client, "[data-testid='strava-summary']", "Offline", |t| {
            t.starts_with("Offline")
        })
        .await?;
        assert!(summary.contains("will retry at"), "summary: {summary}");
        let detail = text_of(&client, "[data-testid='strava-detail']").await?;
        assert!(detail.contains("could not be reached"), "detail: {detail}");
        let chip = wait_for(&client, "[data-testid='strava-chip']").await?;
        assert_eq!(chip.attr("data-health").await?.as_deref(), Some("warn"));
        settle(&client).await?;
        save_screenshot(&client, "e2e-strava-offline.png").await?;

        // The garage is as usable as ever: the imported bikes are there and a ride can be logged.
        wait_for(&client, "[data-testid='strava-close']")
            .await?
            .click()
            .await?;
        wait_gone(&client, "[data-testid='strava-panel']").await?;
        let header = text_of(&client, "[data-testid='strava-chip-text']").await?;
        assert!(header.starts_with("Offline"), "header chip: {header}");
        wait_for(&client, "[data-testid='open-log-ride']")
            .await?
            .click()
            .await?;
        wait_for(&client, "dialog[open] input[id$='-distance']")
            .await?
            .send_keys("42")
            .await?;
        wait_for(&client, "[data-testid='log-ride-submit']")
            .await?
            .click()
            .await?;
        wait_gone(&client, "dialog[open]").await?;
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    let closed = client.close().await;
    result.expect("offline flow");
    closed.expect("close the session");
}

// ---- Native notifications -------------------------------------------------------------------

/// A process the test started, killed however the test ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Whether some process owns `name` on the session bus.
fn bus_name_owned(name: &str) -> bool {
    Command::new("dbus-send")
        .args([
            "--session",
            "--dest=org.freedesktop.DBus",
            "--print-reply",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.NameHasOwner",
            &format!("string:{name}"),
        ])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("boolean true"))
        .unwrap_or(false)
}

/// A notification daemon (dunst) in this D-Bus session, and `dbus-monitor` writing every
/// `Notify` call that reaches it to `log`.
struct Desktop {
    _daemon: Option<Killed>,
    _monitor: Killed,
    log: PathBuf,
}

impl Desktop {
    fn start(dir: &Path) -> Desktop {
        assert!(
            std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
            "no D-Bus session: run through `make test-e2e` (tests/scripts/headless.sh)"
        );
        // The session bus starts dunst by itself (D-Bus activation) when an earlier test's app
        // showed a notification; otherwise this test starts it.
        let daemon = if bus_name_owned("org.freedesktop.Notifications") {
            None
        } else {
            Some(Killed(
                Command::new("dunst")
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .expect("dunst on PATH (apt package dunst)"),
            ))
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while !bus_name_owned("org.freedesktop.Notifications") {
            assert!(
                Instant::now() < deadline,
                "dunst did not take org.freedesktop.Notifications within 20 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let log = dir.join("notify.log");
        let file = std::fs::File::create(&log).expect("monitor log");
        let monitor = Killed(
            Command::new("dbus-monitor")
                .args([
                    "--session",
                    "interface='org.freedesktop.Notifications',member='Notify'",
                ])
                .stdout(file)
                .stderr(Stdio::null())
                .spawn()
                .expect("dbus-monitor on PATH (apt package dbus)"),
        );
        // dbus-monitor prints the NameAcquired signal of its own connection once it listens.
        let deadline = Instant::now() + Duration::from_secs(20);
        while !std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("NameAcquired")
        {
            assert!(
                Instant::now() < deadline,
                "dbus-monitor did not start within 20 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Desktop {
            _daemon: daemon,
            _monitor: monitor,
            log,
        }
    }

    /// Every `Notify` call seen so far, as the strings it carried (app name, icon, summary, body…).
    fn calls(&self) -> Vec<Vec<String>> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let mut calls: Vec<Vec<String>> = Vec::new();
        for line in text.lines() {
            if line.starts_with("method call") && line.contains("member=Notify") {
                calls.push(Vec::new());
            } else if let (Some(call), Some(rest)) = (
                calls.last_mut(),
                line.trim_start().strip_prefix("string \""),
            ) {
                call.push(rest.strip_suffix('"').unwrap_or(rest).to_owned());
            }
        }
        calls
    }

    /// Waits (bounded) until `ok` holds for the calls seen.
    async fn wait_calls(
        &self,
        what: &str,
        ok: impl Fn(&[Vec<String>]) -> bool,
    ) -> Vec<Vec<String>> {
        let deadline = Instant::now() + WAIT;
        loop {
            let calls = self.calls();
            if ok(&calls) {
                return calls;
            }
            assert!(
                Instant::now() < deadline,
                "{what} not seen within {WAIT:?}; Notify calls so far: {calls:#?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

fn has(call: &[String], text: &str) -> bool {
    call.iter().any(|s| s.contains(text))
}

/// One bike with a chain and a 3,100 km ride: both chain rules (replace every 3,000 km, clean
/// and lube every 300 km) are due.
fn due_chain_garage(data: &Path) -> String {
    let bike = cli_bike(data, "Commuter");
    let chain = cli_component(data, "chain", Some((&bike, "2026-01-01")));
    cli_ride(data, &bike, "2026-02-01", "3100");
    chain
}

/// A loopback HTTP server that answers 200 to everything and keeps the request lines (the
/// healthcheck pings of the dead-man's switch).
fn ping_counter() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the ping counter");
    let url = format!("http://{}/ping/app", listener.local_addr().expect("addr"));
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let mut reader = BufReader::new(&stream);
            let mut line = String::new();
            if reader.read_line(&mut line).is_ok() {
                log.lock().unwrap().push(line.trim().to_owned());
                // Read the headers to the blank line, then answer.
                let mut header = String::new();
                while reader
                    .read_line(&mut header)
                    .map(|n| n > 2)
                    .unwrap_or(false)
                {
                    header.clear();
                }
            }
            let _ = (&stream)
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    (url, seen)
}

/// The timer period the app runs its cycle with in these tests.
const TICK_MS: u64 = 1500;

#[tokio::test(flavor = "current_thread")]
async fn a_due_component_raises_exactly_one_desktop_notification_and_none_on_the_next_tick() {
    let data = tempfile::tempdir().expect("temp data dir");
    due_chain_garage(data.path());
    let desktop = Desktop::start(data.path());
    let (ping_url, pings) = ping_counter();
    let (_driver, port) = start_driver_with_env(
        data.path(),
        &[
            ("PEDALWRENCHER_CYCLE_MS", TICK_MS.to_string()),
            ("PEDALWRENCHER_HEALTHCHECK_URL", ping_url),
        ],
    );
    let client = connect(port).await;

    let result = async {
        wait_for(&client, "[data-testid='component-row'][data-state='due']").await?;
        let reminder =
            |c: &Vec<String>| has(c, "Replace due: Chain") || has(c, "Clean and lube due: Chain");
        let calls = desktop
            .wait_calls("the two chain reminders", |calls| {
                calls.iter().filter(|c| reminder(c)).count() >= 2
            })
            .await;
        let replace: Vec<_> = calls
            .iter()
            .filter(|c| has(c, "Replace due: Chain"))
            .collect();
        let lube: Vec<_> = calls
            .iter()
            .filter(|c| has(c, "Clean and lube due: Chain"))
            .collect();
        assert_eq!(replace.len(), 1, "one Replace reminder: {calls:#?}");
        assert_eq!(lube.len(), 1, "one Clean and lube reminder: {calls:#?}");
        assert!(
            has(
                replace[0],
                "Commuter: replace the Chain — 100 km past its 3,000 km interval."
            ),
            "the body says which bike, which part, what to do and how far past: {:?}",
            replace[0]
        );
        assert!(
            has(lube[0], "Commuter: clean and lube the Chain"),
            "the lube body: {:?}",
            lube[0]
        );
        assert_eq!(calls.len(), 2, "nothing else was shown: {calls:#?}");
        eprintln!("Notify calls after start: {}", calls.len());

        // A click on a reminder (dunst's default action on the newest one) opens the app at
        // that part: its row is highlighted.
        let clicked = Command::new("dunstctl")
            .args(["action", "0"])
            .status()
            .expect("dunstctl");
        assert!(clicked.success(), "dunstctl action: {clicked}");
        wait_for(
            &client,
            "[data-testid='component-row'][data-highlight='true']",
        )
        .await?;

        // The next timer ticks (three of them, counted by the app's heartbeat) and a cycle run
        // by hand show nothing new.
        let cycles = || -> i64 {
            rusqlite::Connection::open(data.path().join("pedalwrencher.sqlite3"))
                .and_then(|c| {
                    c.query_row(
                        "SELECT COALESCE(MAX(cycles), 0) FROM heartbeats WHERE name = 'app'",
                        [],
                        |r| r.get(0),
                    )
                })
                .unwrap_or(0)
        };
        let before = cycles();
        let deadline = Instant::now() + WAIT;
        while cycles() < before + 3 {
            assert!(
                Instant::now() < deadline,
                "the app's cycle did not tick three times"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        wait_for(&client, "[data-testid='open-notifications']")
            .await?
            .click()
            .await?;
        wait_for(&client, "[data-testid='check-now']")
            .await?
            .click()
            .await?;
        let note = wait_text(
            &client,
            "[data-testid='check-note']",
            "the check's result",
            |t| !t.is_empty(),
        )
        .await?;
        assert!(note.contains("nothing new"), "check now: {note}");
        tokio::time::sleep(Duration::from_millis(TICK_MS + 500)).await;
        let after = desktop.calls();
        eprintln!(
            "Notify calls after further ticks and Check now: {}",
            after.len()
        );
        assert_eq!(
            after.len(),
            2,
            "no new notification on later cycles: {after:#?}"
        );

        // Every healthy cycle pinged the healthcheck URL (a GET), never its /fail.
        let pinged = pings.lock().unwrap().clone();
        eprintln!("healthcheck pings: {}", pinged.len());
        assert!(pinged.len() >= 3, "a ping per cycle: {pinged:?}");
        assert!(
            pinged.iter().all(|l| l.starts_with("GET /ping/app ")),
            "healthy pings only: {pinged:?}"
        );

        // The desktop channel's counts in the panel.
        let stats = wait_text(
            &client,
            "[data-testid='stats-notification']",
            "the sent count",
            |t| t.contains("2 sent"),
        )
        .await?;
        assert!(!stats.contains("failed"), "{stats}");
        client
            .execute(
                "document.querySelector(\"[data-testid='notifications-panel']\").scrollTop = 0",
                vec![],
            )
            .await?;
        // "Send test" on the desktop channel shows one more notification and says so.
        wait_for(&client, "[data-testid='send-test-notification']")
            .await?
            .click()
            .await?;
        let result = wait_text(
            &client,
            "[data-testid='test-result-notification']",
            "the test's result",
            |t| !t.trim().is_empty(),
        )
        .await?;
        assert!(result.contains("Test notification shown."), "{result}");
        let calls = desktop
            .wait_calls("the test notification", |calls| {
                calls.iter().any(|c| has(c, "Pedalwrencher test"))
            })
            .await;
        assert_eq!(calls.len(), 3, "the two reminders and the test: {calls:#?}");
        settle(&client).await?;
        save_screenshot(&client, "notifications.png").await?;
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    let closed = client.close().await;
    result.expect("native notification flow");
    closed.expect("close the session");
}

#[tokio::test(flavor = "current_thread")]
async fn an_email_channel_that_fails_for_good_warns_once_and_shows_a_banner() {
    let data = tempfile::tempdir().expect("temp data dir");
    due_chain_garage(data.path());
    // Nothing listens on this loopback port: every attempt is "connection refused".
    let closed_port = free_port();
    let desktop = Desktop::start(data.path());
    let (ping_url, pings) = ping_counter();
    let (_driver, port) = start_driver_with_env(
        data.path(),
        &[
            ("PEDALWRENCHER_HEALTHCHECK_URL", ping_url),
            ("PEDALWRENCHER_CYCLE_MS", "300".to_owned()),
            ("PEDALWRENCHER_DELIVERY_BACKOFF_MS", "1".to_owned()),
            (
                "PEDALWRENCHER_SMTP_URL",
                format!("smtp://127.0.0.1:{closed_port}"),
            ),
            ("PEDALWRENCHER_EMAIL_TO", "rider@example.com".to_owned()),
            ("PEDALWRENCHER_SECRETS", "file".to_owned()),
        ],
    );
    let client = connect(port).await;

    let result = async {
        let banner = wait_text(
            &client,
            "[data-testid='channel-failed-banner']",
            "the failed-channel banner",
            |t| t.contains("Email reminders are failing"),
        )
        .await?;
        assert!(banner.contains("connection refused"), "banner: {banner}");
        assert!(
            banner.contains("Check Notifications settings."),
            "banner: {banner}"
        );
        let warning = |c: &Vec<String>| has(c, "Email reminders are failing: connection refused");
        desktop
            .wait_calls("the failing-email warning", |calls| {
                calls.iter().any(warning)
            })
            .await;
        // More cycles pass: the episode is warned about once.
        tokio::time::sleep(Duration::from_millis(2000)).await;
        let calls = desktop.calls();
        eprintln!("Notify calls with a failing email channel: {}", calls.len());
        assert_eq!(
            calls.iter().filter(|c| warning(c)).count(),
            1,
            "one warning per episode: {calls:#?}"
        );
        assert_eq!(calls.len(), 3, "two reminders and one warning: {calls:#?}");
        save_screenshot(&client, "failed-channel.png").await?;
        // An unhealthy cycle pings the healthcheck's /fail.
        let pinged = pings.lock().unwrap().clone();
        assert!(
            pinged.iter().any(|l| l.starts_with("GET /ping/app/fail ")),
            "a /fail ping once the channel failed: {pinged:?}"
        );

        // The panel shows the failing channel too.
        wait_for(&client, "[data-testid='banner-open-notifications']")
            .await?
            .click()
            .await?;
        wait_text(
            &client,
            "[data-testid='failing-email']",
            "the email failure",
            |t| t.contains("connection refused"),
        )
        .await?;
        // "Send test" on email says in words why it cannot send.
        wait_for(&client, "[data-testid='send-test-email']")
            .await?
            .click()
            .await?;
        let result = wait_text(
            &client,
            "[data-testid='test-result-email']",
            "the email test's result",
            |t| !t.trim().is_empty(),
        )
        .await?;
        assert!(result.contains("Connection refused"), "{result}");
        save_screenshot(&client, "failed-channel-panel.png").await?;

        // The SMTP password typed in the panel goes to the secret store, never settings.json.
        let secret = "e2e-Pa55word-not-in-settings";
        wait_for(&client, "[data-testid='smtp-password']")
            .await?
            .send_keys(secret)
            .await?;
        wait_for(&client, "[data-testid='save-notifications']")
            .await?
            .click()
            .await?;
        let deadline = Instant::now() + WAIT;
        loop {
            let field = wait_for(&client, "[data-testid='smtp-password']").await?;
            let placeholder = field.attr("placeholder").await?.unwrap_or_default();
            if placeholder.contains("stored") {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the password was not stored: {placeholder}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let settings = std::fs::read_to_string(data.path().join("settings.json"))
            .expect("the panel wrote settings.json");
        assert!(
            !settings.contains(secret),
            "settings.json holds the password: {settings}"
        );
        let secrets = std::fs::read_to_string(data.path().join("secrets.json")).unwrap_or_default();
        assert!(
            secrets.contains(secret),
            "the password is in the secrets file"
        );
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    let closed = client.close().await;
    result.expect("failed channel flow");
    closed.expect("close the session");
}

/// The app (its delivery cycle) and `serve` draining the same garage at the same time: 1,000 due
/// reminders, each texted exactly once (counted at the fake Twilio). The fake answers slowly, and
/// `serve` starts only once the app has begun sending, so the two really drain at once.
#[tokio::test(flavor = "current_thread")]
async fn the_app_and_serve_draining_one_garage_at_once_send_each_of_1000_reminders_exactly_once() {
    use pedalwrencher_tests::fake_twilio::{self, FakeTwilio};

    const N: usize = 1000;
    let data = tempfile::tempdir().expect("temp data dir");
    pedalwrencher_tests::garages::with_due_rules(data.path(), N);
    // Texts only: a thousand desktop notifications would prove nothing more.
    std::fs::write(
        data.path().join("settings.json"),
        r#"{"notify_native": false, "notify_sms": true}"#,
    )
    .unwrap();
    let fake = FakeTwilio::start();
    for _ in 0..N {
        fake.state()
            .faults
            .push_back(fake_twilio::Fault::Slow(Duration::from_millis(4)));
    }
    let env = [
        ("PEDALWRENCHER_DATA_DIR", data.path().display().to_string()),
        ("PEDALWRENCHER_SECRETS", "file".to_owned()),
        ("PEDALWRENCHER_TWILIO_URL", fake.url()),
        (
            "PEDALWRENCHER_TWILIO_ACCOUNT_SID",
            fake_twilio::ACCOUNT_SID.to_owned(),
        ),
        (
            "PEDALWRENCHER_TWILIO_AUTH_TOKEN",
            fake_twilio::AUTH_TOKEN.to_owned(),
        ),
        ("PEDALWRENCHER_SMS_FROM", fake_twilio::FROM.to_owned()),
        ("PEDALWRENCHER_SMS_TO", "+447700900123".to_owned()),
        ("NO_PROXY", "127.0.0.1,localhost".to_owned()),
    ];
    let mut app = Killed(
        Command::new(app_binary())
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the app"),
    );
    // Wait (bounded) until the app has begun sending, then start serve beside it.
    let deadline = Instant::now() + WAIT;
    while fake.state().messages.is_empty() {
        assert!(Instant::now() < deadline, "the app sent nothing");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let serve = Command::new(pedalwrencher_tests::cli_path())
        .args(["serve", "--cycles", "1", "--interval-seconds", "1"])
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .expect("run serve");
    assert!(
        serve.status.success(),
        "{}",
        String::from_utf8_lossy(&serve.stderr)
    );
    let deadline = Instant::now() + Duration::from_secs(120);
    while fake.state().messages.len() < N {
        assert!(
            Instant::now() < deadline,
            "only {} of {N} texts arrived",
            fake.state().messages.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = app.0.kill();
    let _ = app.0.wait();
    let st = fake.state();
    assert_eq!(st.messages.len(), N, "every reminder texted exactly once");
    // Both drained: serve's cycle line says how many it sent ("sent 522, …"), the app the rest.
    let log = String::from_utf8_lossy(&serve.stderr).to_string();
    let by_serve: usize = log
        .split("sent ")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("serve's log has no count: {log}"));
    assert!(
        by_serve > 0 && by_serve < N,
        "serve sent {by_serve} of {N}: not both drained"
    );
    assert!(st.bodies().values().all(|&n| n == 1), "no body twice");
    eprintln!(
        "app + serve: {} texts for {N} reminders; serve's log:\n{}",
        st.messages.len(),
        String::from_utf8_lossy(&serve.stderr)
    );
}

/// How long a device sync may take here: a debug build derives the passphrase's key (Argon2id)
/// once per pass.
const SYNC_WAIT: Duration = Duration::from_secs(120);

/// Waits (bounded by [`SYNC_WAIT`]) until `css` exists and its text passes `ok`.
async fn wait_text_long(
    client: &Client,
    css: &str,
    what: &str,
    ok: impl Fn(&str) -> bool,
) -> Result<String, fantoccini::error::CmdError> {
    let deadline = Instant::now() + SYNC_WAIT;
    loop {
        let text = match client.find(Locator::Css(css)).await {
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

/// Fills the Devices section's set-up form (the section open) and submits it.
async fn set_up_devices(
    client: &Client,
    url: &str,
    passphrase: &str,
) -> Result<(), fantoccini::error::CmdError> {
    for (css, value) in [
        ("[data-testid='devices-url']", url),
        ("[data-testid='devices-passphrase']", passphrase),
        ("[data-testid='devices-passphrase-confirm']", passphrase),
    ] {
        let input = wait_for(client, css).await?;
        input.clear().await?;
        input.send_keys(value).await?;
    }
    wait_for(client, "[data-testid='devices-set-up']")
        .await?
        .click()
        .await
}

async fn open_devices(client: &Client) -> Result<(), fantoccini::error::CmdError> {
    wait_for(client, "[data-testid='devices-chip']")
        .await?
        .click()
        .await?;
    wait_for(client, "[data-testid='devices-panel'][open]").await?;
    Ok(())
}

/// Clicks Sync now in the open Devices section and waits until it answers.
async fn devices_sync_now(client: &Client) -> Result<(), fantoccini::error::CmdError> {
    wait_for(client, "[data-testid='devices-sync-now']:not([disabled])")
        .await?
        .click()
        .await?;
    // A pass already running (the one a few seconds after an edit) is followed by another.
    wait_text_long(
        client,
        "[data-testid='devices-note']",
        "the pass's end",
        |t| t.starts_with("Synced") || t.starts_with("A sync is running"),
    )
    .await?;
    Ok(())
}

#[tokio::test(flavor = "current_thread")]
async fn a_bike_added_on_one_device_reaches_the_other_through_a_webdav_server() {
    use pedalwrencher_tests::sync_servers::WebDav;

    let dav = WebDav::start();
    let passphrase = "a long and private passphrase";
    let (a_dir, b_dir) = (
        tempfile::tempdir().expect("device A's data"),
        tempfile::tempdir().expect("device B's data"),
    );
    // Each its own garage, secrets file and tauri-driver ports.
    let secrets = [("PEDALWRENCHER_SECRETS", "file".to_owned())];
    let (_driver_a, port_a) = start_driver_with_env(a_dir.path(), &secrets);
    let (_driver_b, port_b) = start_driver_with_env(b_dir.path(), &secrets);
    let a = connect(port_a).await;
    let b = connect(port_b).await;

    let result = async {
        let started = Instant::now();
        // A: set up through the form on the empty target (it makes the vault), and name itself.
        wait_for(&a, "[data-testid='load-demo']").await?;
        open_devices(&a).await?;
        set_up_devices(&a, &dav.url(), passphrase).await?;
        wait_text_long(&a, "[data-testid='devices-summary']", "synced", |t| {
            t.starts_with("Synced")
        })
        .await?;
        let target = text_of(&a, "[data-testid='devices-target']").await?;
        assert!(
            target.contains("127.0.0.1") && !target.contains(WebDav::PASSWORD),
            "the target is shown without its password: {target}"
        );
        wait_for(&a, "[data-testid='devices-rename']")
            .await?
            .click()
            .await?;
        let name = wait_for(&a, "[data-testid='devices-name-input']").await?;
        name.clear().await?;
        name.send_keys("Workshop laptop").await?;
        wait_for(&a, "[data-testid='devices-name-save']")
            .await?
            .click()
            .await?;
        wait_text(
            &a,
            "[data-testid='devices-this-name']",
            "the new name",
            |t| t == "Workshop laptop",
        )
        .await?;
        // How often A syncs in the background: saved in its settings and shown as chosen.
        wait_for(&a, "[data-testid='devices-interval']")
            .await?
            .select_by_value("60")
            .await?;
        let settings = a_dir.path().join("settings.json");
        let deadline = Instant::now() + WAIT;
        loop {
            let saved: Value = std::fs::read_to_string(&settings)
                .ok()
                .and_then(|t| serde_json::from_str(&t).ok())
                .unwrap_or_default();
            if saved["devices_sync_minutes"] == 60 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "devices_sync_minutes not saved as 60: {saved}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // Drawn anew from the status (not the select the rider just moved), it reads the same.
        wait_for(&a, "[data-testid='devices-interval']:not(:disabled)").await?;
        wait_for(&a, "[data-testid='devices-close']")
            .await?
            .click()
            .await?;
        wait_gone(&a, "dialog[open]").await?;
        open_devices(&a).await?;
        let shown = wait_for(&a, "[data-testid='devices-interval']")
            .await?
            .prop("value")
            .await?;
        assert_eq!(
            shown.as_deref(),
            Some("60"),
            "the reopened section shows the saved interval"
        );

        // B: a wrong passphrase is refused and nothing is kept; the right one joins.
        wait_for(&b, "[data-testid='load-demo']").await?;
        open_devices(&b).await?;
        set_up_devices(&b, &dav.url(), "not the passphrase at all").await?;
        let refused = wait_text_long(&b, "[data-testid='devices-error']", "an error", |t| {
            !t.is_empty()
        })
        .await?;
        assert!(
            refused.to_lowercase().contains("passphrase"),
            "a wrong passphrase says so: {refused}"
        );
        wait_for(&b, "[data-testid='devices-setup']").await?;
        save_screenshot(&b, "e2e-devices-refused.png").await?;
        let kept = std::fs::read_to_string(b_dir.path().join("secrets.json")).unwrap_or_default();
        assert!(
            !kept.contains("sync_url"),
            "a refused set-up leaves nothing saved: {kept}"
        );
        set_up_devices(&b, &dav.url(), passphrase).await?;
        wait_text_long(&b, "[data-testid='devices-summary']", "synced", |t| {
            t.starts_with("Synced")
        })
        .await?;
        let close_b = wait_for(&b, "[data-testid='devices-close']").await?;
        close_b.click().await?;
        wait_gone(&b, "dialog[open]").await?;

        // A: a bike through the form, then Sync now.
        wait_for(&a, "[data-testid='devices-close']")
            .await?
            .click()
            .await?;
        wait_gone(&a, "dialog[open]").await?;
        wait_for(&a, "[data-testid='open-add-bike']")
            .await?
            .click()
            .await?;
        wait_for(&a, "dialog[open] input[id$='-name']")
            .await?
            .send_keys("Gravel from A")
            .await?;
        wait_for(&a, "[data-testid='add-bike-submit']")
            .await?
            .click()
            .await?;
        let card = text_of(&a, "[data-testid='bike-card']").await?;
        assert!(card.contains("Gravel from A"), "A's bike card: {card}");
        wait_gone(&a, "dialog[open]").await?;
        open_devices(&a).await?;
        devices_sync_now(&a).await?;
        wait_text_long(
            &a,
            "[data-testid='devices-pending']",
            "nothing to send",
            |t| t.trim() == "Nothing",
        )
        .await?;
        assert!(
            b.find_all(Locator::Css("[data-testid='bike-card']"))
                .await?
                .is_empty(),
            "B has no bike before it syncs"
        );

        // B: Sync now brings the bike, and lists A by its name.
        open_devices(&b).await?;
        devices_sync_now(&b).await?;
        let others = wait_text_long(&b, "[data-testid='devices-others']", "device A", |t| {
            t.contains("Workshop laptop")
        })
        .await?;
        assert!(others.contains("last synced"), "others: {others}");
        let card = wait_text_long(&b, "[data-testid='bike-card']", "A's bike", |t| {
            t.contains("Gravel from A")
        })
        .await?;
        assert!(card.contains("Gravel from A"), "B's bike card: {card}");
        eprintln!(
            "two devices set up and synced a bike through WebDAV in {:?}",
            started.elapsed()
        );

        settle(&b).await?;
        let shot = b.screenshot().await?;
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/screenshots/devices.png");
        std::fs::write(&path, shot).expect("write ui/screenshots/devices.png");

        // A stops syncing (after a confirm): the form is back, the bike stays.
        wait_for(&a, "[data-testid='devices-forget']")
            .await?
            .click()
            .await?;
        wait_for(&a, "[data-testid='devices-forget-confirm']")
            .await?
            .click()
            .await?;
        wait_for(&a, "[data-testid='devices-setup']").await?;
        let card = text_of(&a, "[data-testid='bike-card']").await?;
        assert!(card.contains("Gravel from A"), "A keeps its bike: {card}");
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    let closed = (a.close().await, b.close().await);
    result.expect("two devices sync a bike");
    closed.0.expect("close A's session");
    closed.1.expect("close B's session");
}
