//! How delivery stands on this device, as the window's banner shows it: each channel's health, the
//! channels whose deliveries failed for good, and the watchdog's other open problems.

use pedalwrencher_core::delivery::outbox::{self, ChannelHealth};
use pedalwrencher_core::delivery::Channel;
use pedalwrencher_core::watchdog::{self, Episode, Kind};
use pedalwrencher_core::Result;
use serde::Serialize;

use crate::state::AppState;

/// A channel whose deliveries failed for good: what the banner says.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct Failing {
    pub channel: Channel,
    pub failed: u32,
    pub reason: String,
    pub message: String,
}

/// How delivery stands on this device.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct Health {
    pub channels: Vec<ChannelHealth>,
    pub failing: Vec<Failing>,
    /// The watchdog's other open problems (Strava sync, a stopped loop); failing channels are
    /// in `failing`.
    pub problems: Vec<Episode>,
}

pub fn health(state: &AppState) -> Result<Health> {
    let channels = state.with_core(|s| outbox::health(s))?;
    let failing = channels
        .iter()
        .filter(|h| h.failed > 0)
        .map(|h| {
            let reason = h
                .last_error
                .clone()
                .unwrap_or_else(|| "the last attempts did not go through".to_owned());
            Failing {
                channel: h.channel,
                failed: h.failed,
                message: format!(
                    "{} reminders are failing: {reason}. Check Notifications settings.",
                    h.channel.title()
                ),
                reason,
            }
        })
        .collect();
    let problems = state
        .with_core(|s| watchdog::open_episodes(s, Some(watchdog::AUDIENCE_APP)))?
        .into_iter()
        .filter(|e| e.kind != Kind::ChannelFailed)
        .collect();
    Ok(Health {
        channels,
        failing,
        problems,
    })
}
