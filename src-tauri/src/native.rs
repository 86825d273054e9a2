//! The native channel: reminders as desktop / mobile notifications (tauri-plugin-notification),
//! plugged into the core's outbox through its [`Sender`] seam. A click on a reminder brings the
//! window forward at that part.

use pedalwrencher_core::delivery::sender::{Outgoing, SendFuture};
use pedalwrencher_core::delivery::{message, Channel, SendError, Sender};
use pedalwrencher_core::units::Units;
use tauri::{AppHandle, Runtime};
use tauri_plugin_notification::{NotificationExt, PermissionState};
use tauri_specta::Event;

use crate::events::OpenComponent;

/// The key of the notification's extra data holding the component id.
const COMPONENT_ID: &str = "component_id";

/// Registers the click handler. Must run before the first notification is shown: notifications
/// shown before a handler exists report no clicks.
pub fn listen_for_clicks<R: Runtime>(app: &AppHandle<R>) {
    let handle = app.clone();
    let registered = app.notification().on_action(move |action| {
        if action.action_id() != "tap" {
            return;
        }
        crate::window::show(&handle);
        let component_id = action
            .notification()
            .and_then(|n| n.extra().get(COMPONENT_ID))
            .and_then(|v| v.as_str())
            .map(str::to_owned);
        if let Some(component_id) = component_id {
            if let Err(e) = (OpenComponent { component_id }).emit(&handle) {
                tracing::warn!("could not tell the window which part to open: {e}");
            }
        }
    });
    if let Err(e) = registered {
        tracing::warn!("clicks on notifications will not open the app: {e}");
    }
}

/// Whether notifications may be shown, asking once where the OS wants the rider asked (Android
/// 13+, iOS); desktop always answers Granted.
pub fn ensure_permission<R: Runtime>(app: &AppHandle<R>) -> bool {
    let n = app.notification();
    let state = match n.permission_state() {
        Ok(PermissionState::Prompt | PermissionState::PromptWithRationale) => {
            n.request_permission().unwrap_or(PermissionState::Denied)
        }
        Ok(state) => state,
        Err(e) => {
            tracing::warn!("could not read the notification permission: {e}");
            PermissionState::Denied
        }
    };
    state == PermissionState::Granted
}

/// Shows one notification (reminders and warnings alike).
pub fn show<R: Runtime>(
    app: &AppHandle<R>,
    title: &str,
    body: &str,
    component_id: Option<&str>,
) -> Result<(), SendError> {
    let mut builder = app.notification().builder().title(title).body(body);
    if let Some(id) = component_id {
        builder = builder.extra(COMPONENT_ID, id);
    }
    builder
        .show()
        .map_err(|e| SendError::Rejected(format!("the desktop did not take the notification: {e}")))
}

fn allowed<R: Runtime>(app: &AppHandle<R>) -> Result<(), SendError> {
    if ensure_permission(app) {
        Ok(())
    } else {
        Err(SendError::NotConfigured(
            "notifications are not allowed for Pedalwrencher; allow them in the system settings"
                .to_owned(),
        ))
    }
}

/// Sends reminders as native notifications.
pub struct NativeSender<R: Runtime> {
    pub app: AppHandle<R>,
    pub units: Units,
}

impl<R: Runtime> Sender for NativeSender<R> {
    fn channel(&self) -> Channel {
        Channel::Notification
    }

    fn send_test(&self) -> SendFuture<'_> {
        Box::pin(async move {
            allowed(&self.app)?;
            show(
                &self.app,
                "Pedalwrencher test",
                "Reminders will appear like this.",
                None,
            )
        })
    }

    /// The outbox hands over every due reminder at once, so many can be shown as one summary.
    fn batches(&self) -> bool {
        true
    }

    fn send<'a>(&'a self, items: &'a [Outgoing]) -> SendFuture<'a> {
        Box::pin(async move {
            allowed(&self.app)?;
            for (m, component_id) in notifications(self.units, items) {
                show(&self.app, &m.title, &m.body, component_id.as_deref())?;
            }
            Ok(())
        })
    }
}

/// What to show for `items`: one notification each (a click opens that part), or, past
/// [`message::SEPARATE_NOTIFICATIONS`], one summary (a click brings the window forward). Shown
/// one by one in a single send: should the desktop refuse the second, the first is shown again on
/// the retry (at least once, never lost, as every channel).
fn notifications(units: Units, items: &[Outgoing]) -> Vec<(message::Message, Option<String>)> {
    if items.len() > message::SEPARATE_NOTIFICATIONS {
        let reminders: Vec<_> = items.iter().map(|i| &i.reminder).collect();
        return vec![(message::summary(units, &reminders), None)];
    }
    items
        .iter()
        .map(|i| {
            let m = message::render(units, &i.reminder);
            (m, Some(i.reminder.component_id.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use pedalwrencher_core::delivery::reminders::{Level, Reminder};
    use pedalwrencher_core::ids::{ComponentId, RuleId};
    use pedalwrencher_core::wear::metric::Metric;
    use pedalwrencher_core::Timestamp;

    fn due(n: usize) -> Vec<Outgoing> {
        (0..n)
            .map(|i| Outgoing {
                outbox_id: format!("o{i}"),
                attempt: 1,
                reminder: Reminder {
                    id: format!("r{i}"),
                    rule_id: RuleId::from("rule"),
                    component_id: ComponentId::from(format!("c{i}").as_str()),
                    epoch: 0,
                    level: Level::Due,
                    cycle: 0,
                    nag: 0,
                    bike: Some("Commuter".into()),
                    component: format!("Part {i}"),
                    task: "Replace".into(),
                    metric: Metric::DistanceM,
                    interval: 1_000_000.0,
                    used: 1_100_000.0,
                    created_at: Timestamp(0),
                },
            })
            .collect()
    }

    #[test]
    fn a_few_reminders_show_one_each_and_a_click_opens_the_part() {
        let shown = notifications(Units::Metric, &due(3));
        let ids: Vec<_> = shown.iter().map(|(_, id)| id.clone()).collect();
        assert_eq!(
            ids,
            [Some("c0".into()), Some("c1".into()), Some("c2".into())]
        );
        assert_eq!(shown[0].0.title, "Replace due: Part 0");
    }

    #[test]
    fn many_reminders_at_once_show_one_summary_that_opens_no_one_part() {
        let shown = notifications(Units::Metric, &due(9));
        assert_eq!(shown.len(), 1);
        assert_eq!(shown[0].0.title, "9 reminders");
        assert!(
            shown[0].0.body.contains("and 6 more"),
            "{}",
            shown[0].0.body
        );
        assert_eq!(shown[0].1, None);
    }
}
