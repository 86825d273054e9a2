//! The Strava commands: `sync`, `strava connect`, `strava status`, `strava disconnect`. They run
//! on a small async runtime; the garage is shared with the sync through a mutex so the database
//! is held only for each write, never across a network call.

use std::io::{BufRead, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pedalwrencher_core::secrets::{self, SecretStore};
use pedalwrencher_core::store::SystemClock;
use pedalwrencher_core::strava::api::Config;
use pedalwrencher_core::strava::sync::{self as strava_sync, Options, Report};
use pedalwrencher_core::strava::{auth, connection, disconnect, tokens, StravaError};
use pedalwrencher_core::{Error, Result, Store};

use crate::args::StravaCmd;
use crate::run::{print_out, Out};

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Invalid(format!("could not start the network runtime: {e}")))
}

pub(crate) fn secret_store(store: &mut Store, dir: &Path) -> Result<Box<dyn SecretStore>> {
    let garage = store.garage_id()?;
    secrets::open(dir, &garage)
}

pub fn sync(mut store: Store, dir: &Path, out: &Out, full: bool) -> Result<()> {
    let secrets = secret_store(&mut store, dir)?;
    let access = Mutex::new(store);
    let options = Options {
        full,
        ..Options::default()
    };
    let report = runtime()?.block_on(strava_sync::sync(
        &access,
        secrets.as_ref(),
        &Config::from_env(),
        Arc::new(SystemClock),
        &options,
    ))?;
    out.emit(&report, describe)
}

fn describe(r: &Report) -> String {
    let c = &r.changes;
    let mut lines = vec![format!(
        "Strava: {} rides added, {} updated, {} deleted{}; {} bikes added{}.",
        c.rides_added,
        c.rides_updated,
        c.rides_deleted,
        if c.rides_restored > 0 {
            format!(", {} back from deletion", c.rides_restored)
        } else {
            String::new()
        },
        c.bikes_added,
        if c.bikes_renamed > 0 {
            format!(", {} renamed", c.bikes_renamed)
        } else {
            String::new()
        }
    )];
    lines.push(format!(
        "{} requests to Strava ({} activity pages, {} gear lookups){}.",
        r.requests,
        r.list_requests,
        r.gear_requests,
        if r.paused_ms > 0 {
            format!("; waited {} s for the rate limit", r.paused_ms / 1000)
        } else {
            String::new()
        }
    ));
    if c.unreadable > 0 {
        lines.push(format!(
            "{} activities could not be read and were skipped; they are retried on the next sync.",
            c.unreadable
        ));
    }
    lines.join("\n")
}

pub fn run(mut store: Store, dir: &Path, out: &Out, cmd: StravaCmd) -> Result<()> {
    match cmd {
        StravaCmd::Status => {
            let overview = connection::overview(&store)?;
            out.emit(&overview, |o| {
                let st = &o.state;
                let mut lines = vec![o.summary.clone()];
                if let Some(name) = &st.athlete_name {
                    lines.push(format!("athlete:      {name}"));
                }
                if let Some(t) = st.last_success_at {
                    lines.push(format!("last sync:    {}", t.local_date_time()));
                }
                if let Some(t) = st.next_attempt_at {
                    lines.push(format!("next sync:    {}", t.local_date_time()));
                }
                lines.push(format!(
                    "rides:        {} from Strava, {} without a bike",
                    o.rides, o.unassigned_rides
                ));
                if let Some(b) = &o.budget {
                    lines.push(format!(
                        "rate limit:   {}/{} this quarter hour, {}/{} today (reads)",
                        b.read_usage.short,
                        b.read_limit.short,
                        b.read_usage.daily,
                        b.read_limit.daily
                    ));
                }
                if let Some(d) = &st.status_detail {
                    lines.push(format!("detail:       {d}"));
                }
                lines.join("\n")
            })
        }
        StravaCmd::Connect { client_id, timeout } => {
            let secrets = secret_store(&mut store, dir)?;
            let client_secret = match std::env::var(tokens::CLIENT_SECRET_ENV) {
                Ok(s) if !s.trim().is_empty() => s,
                _ => ask_secret()?,
            };
            let access = Mutex::new(store);
            let config = Config::from_env();
            let connected = runtime()?.block_on(async {
                let pending = auth::begin(&config, &client_id, &client_secret).await?;
                // The address goes out at once (stderr, so --json stays clean), before waiting.
                eprintln!(
                    "Open this address in a browser and approve Pedalwrencher:\n\n  {}\n\nWaiting up to {timeout} minutes…",
                    pending.authorize_url
                );
                pending.finish(Duration::from_secs(timeout * 60)).await
            })?;
            connection::save(&access, secrets.as_ref(), &connected)?;
            out.emit(
                &serde_json::json!({
                    "connected": true,
                    "athlete_id": connected.athlete_id,
                    "athlete": connected.athlete_name,
                    "secrets": secrets.describe(),
                }),
                |_| {
                    format!(
                        "Connected to Strava as {}. Run `pedalwrencher-cli sync` to import your rides.",
                        connected.athlete_name
                    )
                },
            )
        }
        StravaCmd::Disconnect => {
            let secrets = secret_store(&mut store, dir)?;
            let access = Mutex::new(store);
            let done = runtime()?.block_on(disconnect::disconnect(
                &access,
                secrets.as_ref(),
                &Config::from_env(),
                &pedalwrencher_core::store::lease::holder_id(),
            ))?;
            out.emit(&done, |d| {
                let mut text = format!(
                    "Disconnected from Strava. {} rides from Strava deleted; the wear they caused is kept on {} rules.",
                    d.rides_deleted, d.rules_carried
                );
                if let Some(p) = &d.revoke_problem {
                    text.push_str(&format!(
                        "\nStrava could not be told ({p}); revoke Pedalwrencher at strava.com/settings/apps."
                    ));
                }
                text
            })
        }
    }
}

/// Reads the client secret from standard input (not a flag: flags show in `ps`).
fn ask_secret() -> Result<String> {
    eprint!("Client Secret (from strava.com/settings/api): ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::Invalid(format!("could not read the client secret: {e}")))?;
    let secret = line.trim().to_owned();
    if secret.is_empty() {
        return Err(StravaError::Invalid(format!(
            "no client secret given; type it, or set {}",
            tokens::CLIENT_SECRET_ENV
        ))
        .into());
    }
    let _ = print_out;
    Ok(secret)
}
