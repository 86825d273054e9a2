//! Delivery: reminders that reach the rider, exactly once, or a loud failure.
//!
//! - `reminders` writes a reminder exactly once per (rule, epoch, level, cycle, nag), in the
//!   transaction that observes the rule in that state, and fans it out to this device's channels;
//! - `outbox` claims each delivery with a lease before any network call, marks it sent after,
//!   retries failures with backoff and ends in `failed` after a limit (the caller warns);
//! - `channels` is the list of channels, built the same way for every host; `channel` names one
//!   and `sender` is what delivers on it (the app plugs the native notification in here), `message`
//!   what the rider reads, `email` (SMTP) and `sms` (Twilio) the senders the core has, and
//!   `config` reads the channels' settings, secrets and environment overrides.
//!
//! Reminders and the outbox are device-local: they record what this device told the rider.

pub mod channel;
pub mod channels;
pub mod config;
pub mod email;
pub mod message;
pub mod outbox;
pub mod reminders;
pub mod sender;
pub mod sms;

use serde::{Deserialize, Serialize};

use crate::error::Error;

pub use crate::error::SendError;
pub use channel::Channel;
pub use sender::{Sender, Unusable};

/// A delivery's state in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    Pending,
    Sent,
    Failed,
    Cancelled,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Sent => "sent",
            DeliveryState::Failed => "failed",
            DeliveryState::Cancelled => "cancelled",
        }
    }
}

impl std::str::FromStr for DeliveryState {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "pending" => Ok(DeliveryState::Pending),
            "sent" => Ok(DeliveryState::Sent),
            "failed" => Ok(DeliveryState::Failed),
            "cancelled" => Ok(DeliveryState::Cancelled),
            other => Err(Error::Invalid(format!("unknown delivery state '{other}'"))),
        }
    }
}

crate::store::sql_text_enum!(DeliveryState);
