//! The device-sync commands: `devices sync`, `devices status`, `devices setup`, `devices forget`,
//! `devices forward`. A pass runs on a small async runtime with the garage behind a mutex, so the
//! database is held only for each local step, never across a network call.

use std::io::BufRead;
use std::path::Path;
use std::sync::Mutex;

use pedalwrencher_core::env;
use pedalwrencher_core::sync::config;
use pedalwrencher_core::sync::status::{self, Status};
use pedalwrencher_core::sync::transport::{OpendalTransport, SyncTarget};
use pedalwrencher_core::sync::{self, settings as synced, Report};
use pedalwrencher_core::{settings, Error, Result, Store};

use crate::args::DevicesCmd;
use crate::output::Out;
use crate::runtime::runtime;
use crate::secrets;

pub fn run(mut store: Store, dir: &Path, out: &Out, cmd: DevicesCmd) -> Result<()> {
    match cmd {
        DevicesCmd::Sync => {
            let secrets = secrets::required(&mut store, dir)?;
            let config = config::load(secrets.as_ref())?.ok_or_else(|| {
                Error::Invalid(format!(
                    "device sync is not set up: run `pedalwrencher-cli devices setup URL`, or set \
                     {} and {}",
                    env::SYNC_URL,
                    env::SYNC_PASSPHRASE
                ))
            })?;
            warn_about(&config.target);
            let report = pass(store, dir, &config.target, config.passphrase.expose())?;
            out.emit(&report, describe)
        }
        DevicesCmd::Status => {
            let status = status::status(&store)?;
            out.emit(&status, describe_status)
        }
        DevicesCmd::Setup { url } => {
            let target = SyncTarget::parse(&url)?;
            warn_about(&target);
            let passphrase = match env::env().var(env::SYNC_PASSPHRASE) {
                Some(p) => p,
                None => read_passphrase()?,
            };
            let secrets = secrets::required(&mut store, dir)?;
            let report = pass(store, dir, &target, &passphrase)?;
            config::save(secrets.as_ref(), &url, &passphrase)?;
            out.emit(&report, |r| {
                format!(
                    "Syncing through {} from now on.\n{}",
                    target.redacted(),
                    describe(r)
                )
            })
        }
        DevicesCmd::Forget => {
            let secrets = secrets::required(&mut store, dir)?;
            config::forget(secrets.as_ref())?;
            status::forget(&store)?;
            out.emit(&serde_json::json!({ "forgotten": true }), |_| {
                "This device no longer syncs; its garage and the sync target are unchanged. \
                 Set up the same target to go on, or another to move this garage there."
                    .into()
            })
        }
        DevicesCmd::Forward { device } => {
            let id = if device == "this" {
                store.device_id().to_owned()
            } else {
                device
            };
            let known = id == store.device_id()
                || status::status(&store)?
                    .devices
                    .iter()
                    .any(|d| d.device_id == id);
            if !known {
                return Err(Error::Invalid(format!(
                    "no device has the id '{id}': see `pedalwrencher-cli devices status`, or use `this`"
                )));
            }
            synced::set_forwarding_device(&mut store, &id)?;
            out.emit(&serde_json::json!({ "forwarding_device": id }), |_| {
                "Email and SMS reminders will be sent by that device only (after its next sync)."
                    .into()
            })
        }
    }
}

fn pass(store: Store, dir: &Path, target: &SyncTarget, passphrase: &str) -> Result<Report> {
    let name = config::device_name(&settings::load(dir)?.device_name);
    let transport = match OpendalTransport::new(target) {
        Ok(t) => t,
        Err(e) => {
            sync::record_failure(&store, &e.message)?;
            return Err(Error::Remote {
                kind: pedalwrencher_core::ErrorKind::Remote,
                message: e.message,
            });
        }
    };
    let access = Mutex::new(store);
    runtime()?.block_on(sync::pass(&access, &transport, passphrase, &name))
}

/// On stderr, before the pass, so it is seen even when the pass fails, and `--json` output stays
/// as it is.
fn warn_about(target: &SyncTarget) {
    if let Some(warning) = target.plain_http_warning() {
        eprintln!("warning: {warning}");
    }
}

fn read_passphrase() -> Result<String> {
    eprintln!("Sync passphrase (the same on every device; it cannot be recovered):");
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::Invalid(format!("could not read the passphrase: {e}")))?;
    let line = line.trim_end_matches(['\r', '\n']).to_owned();
    if line.is_empty() {
        return Err(Error::Invalid(format!(
            "no passphrase given: type it on standard input or set {}",
            env::SYNC_PASSPHRASE
        )));
    }
    Ok(line)
}

fn kb(bytes: usize) -> String {
    format!("{:.1} KB", bytes as f64 / 1024.0)
}

fn describe(r: &Report) -> String {
    let mut lines = Vec::new();
    if r.vault_created {
        lines.push("Created the vault on the target (this is the first device).".to_owned());
    }
    if let Some(from) = &r.joined_from {
        lines.push(format!("Joined from device {from}'s snapshot."));
    }
    lines.push(format!(
        "Sent {} file(s) ({}); read {} file(s) from {} other device(s).",
        r.pushed_files,
        kb(r.pushed_bytes),
        r.pulled_files,
        r.devices
    ));
    let a = &r.applied;
    lines.push(format!(
        "Applied {} field(s): {} new row(s); {} row(s) waiting for another device's file; {} held back (clock ahead).",
        a.fields, a.rows_created, a.held, a.quarantined
    ));
    if a.waiting_for_update > 0 {
        lines.push(waiting_for_update(a.waiting_for_update as i64));
    }
    for repair in &a.repairs {
        lines.push(format!("Repaired: {repair}"));
    }
    for skipped in &r.skipped {
        lines.push(format!("Skipped for now (retried next time): {skipped}"));
    }
    for behind in &r.behind {
        lines.push(format!("Cannot read all of {behind}"));
    }
    lines.join("\n")
}

/// Fields a device on a newer version wrote that this one keeps aside until it is updated.
fn waiting_for_update(n: i64) -> String {
    format!("{n} change(s) wait for this app to be updated: another device runs a newer version.")
}

fn describe_status(s: &Status) -> String {
    let when = |t: Option<pedalwrencher_core::time::Timestamp>| {
        t.map(|t| t.local_date_time())
            .unwrap_or_else(|| "never".into())
    };
    let mut lines = vec![
        format!("This device: {}", s.device_id),
        format!(
            "Vault: {}",
            s.vault_id.as_deref().unwrap_or("none yet (not synced)")
        ),
        format!("Last sync: {}", when(s.last_ok_at)),
        format!("Changes waiting to be sent: {}", s.pending_changes),
    ];
    if let Some(e) = &s.last_error {
        lines.push(format!(
            "Last attempt failed ({}): {e}",
            when(s.last_attempt_at)
        ));
    }
    if s.held_rows > 0 {
        lines.push(format!(
            "Rows waiting for another device's file: {}",
            s.held_rows
        ));
    }
    if s.quarantined > 0 {
        lines.push(format!(
            "Changes held back (a device's clock is ahead): {}",
            s.quarantined
        ));
    }
    if s.waiting_for_update > 0 {
        lines.push(waiting_for_update(s.waiting_for_update));
    }
    lines.push(format!(
        "Email and SMS are forwarded by: {}",
        match &s.forwarding_device {
            Some(d) if *d == s.device_id => "this device".to_owned(),
            Some(d) => d.clone(),
            None if s.this_device_forwards => "this device".to_owned(),
            None => "no device chosen".to_owned(),
        }
    ));
    for d in &s.devices {
        lines.push(format!(
            "Device {} ({}): last synced {}, read here {}",
            d.device_id,
            d.name.as_deref().unwrap_or("unnamed"),
            when(d.reported_at),
            when(d.last_seen_at)
        ));
    }
    for n in &s.notices {
        lines.push(format!("Notice: {}", n.message));
    }
    lines.join("\n")
}
