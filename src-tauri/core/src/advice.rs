//! What the rider can do about a problem, as data. The core says what is wrong in words that fit
//! any front end, and what to do as an [`Advice`]; each front end words the advice with its own
//! controls: the CLI with its commands (`pedalwrencher-cli strava connect`), the window with its
//! sections and buttons. Serialised with a `kind` tag (`{"kind": "check_channel", "channel":
//! "email"}`), so the window can branch on it.
//!
//! It carries names, not types from the modules that raise it (a channel is `"email"`, not a
//! `delivery::Channel`): the error type uses it, and nothing below delivery may depend on
//! delivery.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Advice {
    /// This device is not connected to Strava: connect it.
    ConnectStrava,
    /// Strava refused this device's tokens (revoked, or the app's secret changed): connect again.
    ReconnectStrava,
    /// Strava has not synced for too long: check the connection and Strava's status, then sync.
    CheckStravaSync,
    /// Strava's daily rate limit is used up: nothing to do if it is rare (syncing resumes by
    /// itself); if daily, sync less often or stop sharing the Strava API application.
    WaitForStravaLimit,
    /// Reminders through `channel` (`email`, `sms`, `notification`) gave up: fix the channel's
    /// settings, send a test, then retry the failed reminders.
    CheckChannel { channel: String },
    /// This device has not synced with the others for too long: check the connection and that the
    /// sync target is reachable, then sync.
    CheckSyncTarget,
    /// Sync is set up here but its passphrase is missing: give it again (or set up sync again).
    SetUpSyncAgain,
    /// The sync target holds another garage's vault, or lost this one's: to sync this garage
    /// through it from now on (the storage moved, the first address was wrong), stop syncing on
    /// this device, then set it up with the new target.
    MoveSyncTarget,
    /// This device cannot read another device's files past some point (`device`, as it names
    /// itself): let that device sync; if it stays so, its folder on the sync target is damaged or
    /// incomplete (a sync client still copying it, an older copy put back).
    CheckOtherDevice { device: String },
    /// The reminder server (`serve`) stopped finishing its cycles: check that it runs; restart it.
    RestartServer,
    /// The app's background work stopped: open the app and keep it running.
    StartTheApp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advice_serialises_with_a_kind_tag_the_window_branches_on() {
        let json = |a: &Advice| serde_json::to_value(a).unwrap();
        assert_eq!(
            json(&Advice::ReconnectStrava),
            serde_json::json!({ "kind": "reconnect_strava" })
        );
        assert_eq!(
            json(&Advice::CheckChannel {
                channel: "email".into()
            }),
            serde_json::json!({ "kind": "check_channel", "channel": "email" })
        );
    }
}
