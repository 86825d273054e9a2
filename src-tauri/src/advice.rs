//! What the rider can do about a problem, in the app's words (its sections and buttons), for its
//! native warnings. The core says what to do as data (`pedalwrencher_core::Advice`); the window
//! words the same advice in its banner (`ui/src/lib/advice.ts`), the CLI with its commands.

use pedalwrencher_core::delivery::Channel;
use pedalwrencher_core::Advice;

/// What to do about a watchdog episode, in the app's words (its sections and buttons), for its
/// native warnings. The window words the same advice in its banner (`ui/src/lib/advice.ts`).
pub fn words(advice: &Advice) -> String {
    match advice {
        Advice::ConnectStrava => "Connect to Strava in the Strava section.".to_owned(),
        Advice::ReconnectStrava => "Connect to Strava again in the Strava section.".to_owned(),
        Advice::CheckStravaSync => "Check this device's internet connection and the Strava status, then choose Sync now in the Strava section.".to_owned(),
        Advice::WaitForStravaLimit => "Nothing, if it is rare: syncing resumes on its own. If it happens every day, sync less often (Sync automatically, in the Strava section) or make sure no other tool shares your Strava API application.".to_owned(),
        Advice::CheckChannel { channel } => format!(
            "Fix the {} settings in Notifications settings and send a test, then retry the failed reminders (Retry).",
            channel
                .parse::<Channel>()
                .map_or_else(|_| channel.clone(), |c| c.label().to_owned())
        ),
        Advice::CheckSyncTarget => "Check this device's connection and that the sync target (folder, WebDAV or S3) is reachable, then choose Sync now in the Devices section.".to_owned(),
        Advice::SetUpSyncAgain => "Set up sync again in the Devices section.".to_owned(),
        Advice::MoveSyncTarget => "To sync through this target from now on, choose Stop syncing in the Devices section, then set up the new target there.".to_owned(),
        Advice::CheckOtherDevice { device } => format!(
            "Open Pedalwrencher on {device} and let it sync. If this stays, that device's folder on the sync target is damaged or incomplete: let the storage's own sync finish, or put that folder back from a good copy, then choose Sync now in the Devices section."
        ),
        Advice::RestartServer => "Check that the reminder server (`pedalwrencher-cli serve`) is running and that its machine is up; restart it if not.".to_owned(),
        Advice::StartTheApp => "Keep Pedalwrencher open: it checks reminders and syncs only while it runs.".to_owned(),
    }
}
