import type { Advice } from '../bindings';

const CHANNEL_LABEL: Record<string, string> = { email: 'email', sms: 'SMS', notification: 'notification' };

/** What to do, in the window's words: its sections and buttons. The app words the same advice for
 * its native warnings (`src-tauri/src/advice.rs`), the CLI with its commands. */
export function adviceWords(advice: Advice): string {
  switch (advice.kind) {
    case 'connect_strava':
      return 'Connect to Strava in the Strava section.';
    case 'reconnect_strava':
      return 'Connect to Strava again in the Strava section.';
    case 'check_strava_sync':
      return "Check this device's internet connection and the Strava status, then choose Sync now in the Strava section.";
    case 'wait_for_strava_limit':
      return 'Nothing, if it is rare: syncing resumes on its own. If it happens every day, sync less often (Sync automatically, in the Strava section) or make sure no other tool shares your Strava API application.';
    case 'check_channel':
      return `Fix the ${CHANNEL_LABEL[advice.channel] ?? advice.channel} settings in Notifications settings and send a test, then retry the failed reminders (Retry).`;
    case 'check_sync_target':
      return "Check this device's connection and that the sync target (folder, WebDAV or S3) is reachable, then choose Sync now in the Devices section.";
    case 'set_up_sync_again':
      return 'Set up sync again in the Devices section.';
    case 'move_sync_target':
      return 'To sync through this target from now on, choose Stop syncing in the Devices section, then set up the new target there.';
    case 'check_other_device':
      return `Open Pedalwrencher on ${advice.device} and let it sync. If this stays, that device's folder on the sync target is damaged or incomplete: let the storage's own sync finish, or put that folder back from a good copy, then choose Sync now in the Devices section.`;
    case 'restart_server':
      return 'Check that the reminder server (`pedalwrencher-cli serve`) is running and that its machine is up; restart it if not.';
    case 'start_the_app':
      return 'Keep Pedalwrencher open: it checks reminders and syncs only while it runs.';
  }
}
