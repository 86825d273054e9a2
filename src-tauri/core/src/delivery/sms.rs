//! SMS through Twilio's Messages API: `POST {base}/2010-04-01/Accounts/{SID}/Messages.json`,
//! form-encoded `To`, `From` and `Body`, HTTP basic auth with the Account SID and auth token.
//! Numbers are checked as E.164 before anything is sent; Twilio's error codes come back in words
//! a rider can act on.

use std::time::Duration;

use serde::Deserialize;

use crate::delivery::channel::Channel;
use crate::delivery::message;
use crate::delivery::sender::{Outgoing, SendFuture, Sender};
use crate::env;
use crate::error::SendError;
use crate::secrets::Secret;
use crate::units::Units;
use crate::validate;

pub const DEFAULT_URL: &str = "https://api.twilio.com";

#[derive(Debug, Clone, PartialEq)]
pub struct SmsConfig {
    /// Twilio's API root, `https://api.twilio.com` (a fake's in tests).
    pub base_url: String,
    pub account_sid: String,
    pub auth_token: Secret,
    pub from: String,
    pub to: String,
    pub timeout: Duration,
}

pub struct SmsSender {
    config: SmsConfig,
    http: reqwest::Client,
    units: Units,
}

impl std::fmt::Debug for SmsSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsSender")
            .field("to", &self.config.to)
            .finish()
    }
}

/// Twilio's error body: `{"code": 21211, "message": "…", "more_info": "…", "status": 400}`.
#[derive(Debug, Deserialize)]
struct TwilioError {
    code: Option<i64>,
    message: Option<String>,
}

impl SmsSender {
    pub fn new(config: SmsConfig, units: Units) -> Result<SmsSender, SendError> {
        let to = validate::phone("the phone number", &config.to)
            .map_err(|e| SendError::BadNumber(e.to_string()))?;
        let from = validate::phone("the Twilio number (From)", &config.from)
            .map_err(|e| SendError::BadNumber(e.to_string()))?;
        if config.account_sid.trim().is_empty() {
            return Err(SendError::NotConfigured(
                "no Twilio Account SID; set it in this device's reminder settings".to_owned(),
            ));
        }
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.timeout)
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("Pedalwrencher/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                SendError::Unreachable(format!("Twilio (the HTTP client could not start: {e})"))
            })?;
        Ok(SmsSender {
            config: SmsConfig { to, from, ..config },
            http,
            units,
        })
    }

    pub fn config(&self) -> &SmsConfig {
        &self.config
    }

    /// Sends a test text now.
    pub async fn send_test(&self) -> Result<(), SendError> {
        self.post("Pedalwrencher test: reminders will arrive at this number.")
            .await
    }

    async fn post(&self, body: &str) -> Result<(), SendError> {
        let url = format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            self.config.base_url.trim_end_matches('/'),
            self.config.account_sid
        );
        let response = self
            .http
            .post(&url)
            .basic_auth(
                &self.config.account_sid,
                Some(self.config.auth_token.expose()),
            )
            .form(&[
                ("To", self.config.to.as_str()),
                ("From", self.config.from.as_str()),
                ("Body", body),
            ])
            .send()
            .await
            .map_err(|e| transport_error(&e))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let text = response.text().await.unwrap_or_default();
        let parsed: Option<TwilioError> = serde_json::from_str(&text).ok();
        let (code, msg) = parsed
            .map(|p| (p.code, p.message.unwrap_or_default()))
            .unwrap_or((None, String::new()));
        Err(twilio_error(status.as_u16(), code, &msg, &self.config))
    }
}

impl Sender for SmsSender {
    fn channel(&self) -> Channel {
        Channel::Sms
    }

    fn send_test(&self) -> SendFuture<'_> {
        Box::pin(SmsSender::send_test(self))
    }

    fn recipient(&self) -> String {
        self.config.to.clone()
    }

    fn send<'a>(&'a self, items: &'a [Outgoing]) -> SendFuture<'a> {
        Box::pin(async move {
            for item in items {
                self.post(&message::sms_text(self.units, &item.reminder))
                    .await?;
            }
            Ok(())
        })
    }
}

fn transport_error(e: &reqwest::Error) -> SendError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::ConnectionRefused {
                return SendError::ConnectionRefused(format!(
                    "nothing answers at Twilio's address; check the connection (or {})",
                    env::TWILIO_URL
                ));
            }
        }
        source = err.source();
    }
    if e.is_timeout() {
        return SendError::Unreachable("Twilio (timed out)".to_owned());
    }
    // reqwest's text names the URL, which holds the Account SID but no secret.
    SendError::Unreachable(format!("Twilio ({e})"))
}

/// Twilio's answer in words. Codes: https://www.twilio.com/docs/api/errors.
fn twilio_error(status: u16, code: Option<i64>, message: &str, c: &SmsConfig) -> SendError {
    let said = if message.is_empty() {
        String::new()
    } else {
        format!(" (Twilio: {message})")
    };
    match code {
        Some(20003) => SendError::AuthFailed(format!(
            "Twilio refused the Account SID or auth token; check both in the Twilio console{said}"
        )),
        Some(21211) => SendError::BadNumber(format!(
            "Twilio says {} is not a valid phone number; check the number in this device's reminder settings{said}",
            c.to
        )),
        Some(21608) => SendError::BadNumber(format!(
            "{} is not verified: a Twilio trial account can only text numbers verified in its console; verify it there or upgrade the account{said}",
            c.to
        )),
        Some(21610) => SendError::BadNumber(format!(
            "{} has unsubscribed (replied STOP); text START to your Twilio number to receive reminders again{said}",
            c.to
        )),
        Some(21408) => SendError::BadNumber(format!(
            "texts to {}'s country are not enabled on this Twilio account; allow the region in the console's SMS geographic permissions{said}",
            c.to
        )),
        Some(21614) => SendError::BadNumber(format!(
            "{} cannot receive texts (not a mobile number){said}",
            c.to
        )),
        Some(21212) | Some(21606) | Some(21659) => SendError::NotConfigured(format!(
            "the From number {} is not an SMS-capable number of this Twilio account; use one from the console{said}",
            c.from
        )),
        Some(20404) => SendError::NotConfigured(format!(
            "Twilio does not know the Account SID {}; check it in the console{said}",
            c.account_sid
        )),
        Some(20429) | Some(14107) => SendError::Rejected(format!(
            "Twilio is limiting how fast this account sends; it is tried again later{said}"
        )),
        _ if status == 401 => SendError::AuthFailed(format!(
            "Twilio refused the Account SID or auth token{said}"
        )),
        _ if status == 429 => SendError::Rejected(format!(
            "Twilio is limiting how fast this account sends; it is tried again later{said}"
        )),
        _ if status >= 500 => SendError::Unreachable(format!(
            "Twilio (HTTP {status}; it is tried again later){said}"
        )),
        Some(code) => SendError::Rejected(format!("Twilio refused the text: error {code}{said}")),
        None => SendError::Rejected(format!("Twilio refused the text: HTTP {status}{said}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(to: &str) -> SmsConfig {
        SmsConfig {
            base_url: "http://127.0.0.1:9".into(),
            account_sid: "AC0123".into(),
            auth_token: Secret::new("token"),
            from: "+15005550006".into(),
            to: to.into(),
            timeout: Duration::from_secs(5),
        }
    }

    #[test]
    fn a_number_that_is_not_e164_is_refused_before_anything_is_sent() {
        let e = SmsSender::new(config("0612345678"), Units::Metric).unwrap_err();
        assert_eq!(e.kind(), "bad_number");
        assert!(e.to_string().contains("E.164"), "{e}");
        let ok = SmsSender::new(config("+33 6 12 34 56 78"), Units::Metric).unwrap();
        assert_eq!(ok.config().to, "+33612345678");
    }

    #[test]
    fn twilio_codes_become_words() {
        let c = config("+33612345678");
        let cases = [
            (20003, 401, "auth_failed", "Account SID or auth token"),
            (21211, 400, "bad_number", "not a valid phone number"),
            (21608, 400, "bad_number", "trial account"),
            (21610, 400, "bad_number", "STOP"),
            (21408, 400, "bad_number", "geographic permissions"),
        ];
        for (code, status, kind, words) in cases {
            let e = twilio_error(status, Some(code), "raw", &c);
            assert_eq!(e.kind(), kind, "{code}: {e}");
            assert!(e.to_string().contains(words), "{code}: {e}");
        }
        assert_eq!(twilio_error(503, None, "", &c).kind(), "unreachable");
    }
}
