//! A sender delivers reminders on one channel. The core has the email and SMS senders; the app
//! implements [`Sender`] for native notifications (tauri-plugin-notification), which the core
//! cannot show. The outbox drains through whatever senders its caller hands it, and leaves the
//! deliveries of other channels to their process.

use std::future::Future;
use std::pin::Pin;

use serde::Serialize;

use crate::delivery::channel::Channel;
use crate::delivery::reminders::Reminder;
use crate::error::SendError;

/// One delivery handed to a sender: the outbox row and the reminder it carries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outgoing {
    pub outbox_id: String,
    pub reminder: Reminder,
    /// 1 on the first try.
    pub attempt: u32,
}

/// What a sender's `send` returns: boxed so senders can live behind `dyn Sender`.
pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), SendError>> + Send + 'a>>;

/// Delivers reminders on one channel.
pub trait Sender: Send + Sync {
    fn channel(&self) -> Channel;

    /// True when the sender takes every due delivery in one message (the email digest); the
    /// outbox then hands `send` all of them at once. Otherwise it hands them one by one.
    fn batches(&self) -> bool {
        false
    }

    /// Sends `items` (one, unless [`Sender::batches`]). Ok means the channel accepted it: the
    /// outbox marks it sent and never sends it again.
    fn send<'a>(&'a self, items: &'a [Outgoing]) -> SendFuture<'a>;

    /// A test message now (the rider's "Send test"). Ok means the channel accepted it.
    fn send_test(&self) -> SendFuture<'_> {
        let channel = self.channel();
        Box::pin(async move {
            Err(SendError::NotConfigured(format!(
                "{} cannot send a test from here",
                channel.label()
            )))
        })
    }

    /// Where this sender delivers, for the rider ("rider@example.org via mail.example.org:587").
    fn recipient(&self) -> String {
        String::new()
    }

    /// With a daily digest: the local hour it goes out (new deliveries wait for it).
    fn digest_hour(&self) -> Option<u8> {
        None
    }
}

/// A channel that is on but cannot be used (not set up, a bad number): every delivery on it fails
/// with the reason, so the rider hears about it instead of reminders silently waiting.
#[derive(Debug, Clone)]
pub struct Unusable {
    pub channel: Channel,
    pub error: SendError,
}

impl Sender for Unusable {
    fn channel(&self) -> Channel {
        self.channel
    }

    fn send<'a>(&'a self, _items: &'a [Outgoing]) -> SendFuture<'a> {
        let error = self.error.clone();
        Box::pin(async move { Err(error) })
    }

    fn send_test(&self) -> SendFuture<'_> {
        self.send(&[])
    }
}
