//! `strava connect`, `strava status`, `strava disconnect`: the connection to Strava. Network
//! calls run on a small async runtime; the garage is behind a mutex so the database is held only
//! for each write, never across a network call.

use std::io::{BufRead, Write};
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use pedalwrencher_core::env;
use pedalwrencher_core::strava::api::Config;
use pedalwrencher_core::strava::{auth, connection, disconnect, StravaError};
use pedalwrencher_core::{Error, Result, Store};

use crate::args::StravaCmd;
use crate::output::Out;
use crate::runtime::runtime;
use crate::secrets;

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
            let secrets = secrets::required(&mut store, dir)?;
            let client_secret = match env::env().var(env::STRAVA_CLIENT_SECRET) {
                Some(s) => s,
                None => ask_secret()?,
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
            let secrets = secrets::required(&mut store, dir)?;
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
            env::STRAVA_CLIENT_SECRET
        ))
        .into());
    }
    Ok(secret)
}
