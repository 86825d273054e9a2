//! A channel is a way a reminder reaches the rider: a notification, email or SMS. Senders
//! (`sender`) deliver on one; `channels` is the list that turns the settings into this device's
//! senders. A channel's words (its names, what a good test says) live here, once.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
#[cfg_attr(feature = "bindings", serde(rename = "DeliveryChannel"))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// A desktop or mobile notification, shown by the app.
    Notification,
    Email,
    Sms,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Notification, Channel::Email, Channel::Sms];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Notification => "notification",
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }

    /// For the rider, inside a sentence: "email", "SMS", "notification".
    pub fn label(self) -> &'static str {
        match self {
            Channel::Notification => "notification",
            Channel::Email => "email",
            Channel::Sms => "SMS",
        }
    }

    /// For the rider, as a heading or at the start of a sentence: "Desktop", "Email", "SMS".
    pub fn title(self) -> &'static str {
        match self {
            Channel::Notification => "Desktop",
            Channel::Email => "Email",
            Channel::Sms => "SMS",
        }
    }

    /// What a test that went through says.
    pub fn tested(self) -> &'static str {
        match self {
            Channel::Notification => "Test notification shown.",
            Channel::Email => "Test email accepted by the mail server.",
            Channel::Sms => "Test text accepted by Twilio.",
        }
    }
}

impl std::fmt::Display for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Channel {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "notification" | "native" => Ok(Channel::Notification),
            "email" | "mail" => Ok(Channel::Email),
            "sms" | "text" => Ok(Channel::Sms),
            other => Err(Error::Invalid(format!(
                "unknown channel '{other}'; use notification, email or sms"
            ))),
        }
    }
}

crate::store::sql_text_enum!(Channel);
