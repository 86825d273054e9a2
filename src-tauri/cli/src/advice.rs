//! What to do, in the CLI's words: the core says what to do as an [`Advice`]; here it names this
//! CLI's commands (and the app's controls, for riders who use both).

use pedalwrencher_core::delivery::Channel;
use pedalwrencher_core::Advice;

/// The advice of a watchdog episode as a sentence (`status`, `serve`'s log). Advice on an error is
/// added to the core's message, which already says what to do: there the words say where.
pub fn words(advice: &Advice) -> String {
    match advice {
        Advice::ConnectStrava => "(Strava section, or `pedalwrencher-cli strava connect`)".to_owned(),
        Advice::ReconnectStrava => {
            "Connect to Strava again (Settings → Strava, or `pedalwrencher-cli strava connect`).".to_owned()
        }
        Advice::CheckStravaSync => "Check this device's internet connection and the Strava status, then sync now (Settings → Strava, or `pedalwrencher-cli sync`).".to_owned(),
        Advice::WaitForStravaLimit => "Nothing, if it is rare: syncing resumes on its own. If it happens every day, sync less often (the sync interval setting) or make sure no other tool shares your Strava API application.".to_owned(),
        Advice::CheckChannel { channel } => format!(
            "Fix the {} settings (Settings → Notifications, then Send test), then retry the failed reminders (Retry in the app, or `pedalwrencher-cli notify --retry-failed`).",
            channel
                .parse::<Channel>()
                .map_or_else(|_| channel.clone(), |c| c.label().to_owned())
        ),
        Advice::CheckSyncTarget => "Check this device's connection and that the sync target (folder, WebDAV or S3) is reachable, then sync now (Devices → Sync now, or `pedalwrencher-cli devices sync`).".to_owned(),
        Advice::SetUpSyncAgain => "in the app's Devices section".to_owned(),
        Advice::MoveSyncTarget => "(Devices → Stop syncing, then set up the new target; or `pedalwrencher-cli devices forget`, then `pedalwrencher-cli devices setup URL`)".to_owned(),
        Advice::CheckOtherDevice { device } => format!(
            "Open Pedalwrencher on {device} and let it sync (or run `pedalwrencher-cli devices sync` there). If this stays, that device's folder on the sync target is damaged or incomplete: let the storage's own sync finish, or put that folder back from a good copy, then sync here (`pedalwrencher-cli devices sync`)."
        ),
        Advice::RestartServer => "Check that `pedalwrencher-cli serve` is running (e.g. `systemctl status pedalwrencher`) and that its machine is up; restart it if not.".to_owned(),
        Advice::StartTheApp => "Open Pedalwrencher and keep it running: it checks reminders and syncs only while it runs.".to_owned(),
    }
}
