//! A fake of Twilio's Messages API on 127.0.0.1, written from Twilio's public documentation:
//! `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` with a form-encoded `To`, `From` and
//! `Body`, HTTP basic auth with the Account SID and auth token; `201 Created` with the message
//! resource, or an error in Twilio's shape, `{"code": 21211, "message": "…", "more_info":
//! "https://www.twilio.com/docs/errors/21211", "status": 400}`. It checks the login, the form
//! fields and E.164 numbers, knows unverified (trial) and unsubscribed numbers, and fails on
//! demand.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Router};
use serde_json::json;

use crate::loopback::Server;

pub const ACCOUNT_SID: &str = "AC7e5f0d2c1b4a39688796a5b4c3d2e1f0";
pub const AUTH_TOKEN: &str = "fake-twilio-token-9a8b7c6d5e4f3a2b1c0d";
/// A Twilio number of the fake account (one of Twilio's documented test numbers).
pub const FROM: &str = "+15005550006";

/// What the next message request suffers instead of being accepted.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Twilio's error body with this code and HTTP status.
    Error { status: u16, code: i64 },
    /// A bare HTTP status (e.g. 503 from a load balancer), no JSON.
    Status(u16),
    /// Answer only after this long.
    Slow(Duration),
}

/// One text the fake accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct Sms {
    pub sid: String,
    pub to: String,
    pub from: String,
    pub body: String,
}

#[derive(Debug, Default)]
pub struct FakeState {
    /// Texts accepted, in order.
    pub messages: Vec<Sms>,
    /// Numbers a trial account has not verified: 21608.
    pub unverified: Vec<String>,
    /// Numbers that replied STOP: 21610.
    pub unsubscribed: Vec<String>,
    pub faults: VecDeque<Fault>,
    /// Every request, accepted or not.
    pub requests: u32,
    /// Requests refused for a wrong login.
    pub unauthorized: u32,
}

impl FakeState {
    /// How many times each body was accepted.
    pub fn bodies(&self) -> HashMap<String, usize> {
        let mut out = HashMap::new();
        for m in &self.messages {
            *out.entry(m.body.clone()).or_default() += 1;
        }
        out
    }
}

pub struct FakeTwilio {
    server: Server,
    state: Shared,
}

impl FakeTwilio {
    pub fn start() -> FakeTwilio {
        let state = Arc::new(Mutex::new(FakeState::default()));
        let app = Router::new()
            .route("/2010-04-01/Accounts/{sid}/Messages.json", post(messages))
            .with_state(state.clone());
        let server = Server::axum(app, 2, "the fake Twilio");
        FakeTwilio { server, state }
    }

    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    pub fn state(&self) -> MutexGuard<'_, FakeState> {
        lock(&self.state)
    }
}

type Shared = Arc<Mutex<FakeState>>;

fn lock(s: &Shared) -> MutexGuard<'_, FakeState> {
    s.lock().unwrap_or_else(|p| p.into_inner())
}

/// Twilio's error body.
fn error(status: u16, code: i64, message: &str) -> Response {
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        axum::Json(json!({
            "code": code,
            "message": message,
            "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
            "status": status,
        })),
    )
        .into_response()
}

/// What Twilio says for each code (from its error dictionary).
fn message_for(code: i64, to: &str, from: &str) -> String {
    match code {
        20003 => "Authenticate".to_owned(),
        21211 => format!("The 'To' number {to} is not a valid phone number."),
        21408 => format!("Permission to send an SMS has not been enabled for the region indicated by the 'To' number: {to}."),
        21608 => format!("The number {to} is unverified. Trial accounts cannot send messages to unverified numbers; verify {to} at twilio.com/user/account/phone-numbers/verified, or purchase a Twilio number to send messages to unverified numbers."),
        21610 => "Attempt to send to unsubscribed recipient".to_owned(),
        21659 => format!("'From' {from} is not a Twilio phone number or Short Code country mismatch"),
        21602 => "Message body is required.".to_owned(),
        20429 => "Too Many Requests".to_owned(),
        _ => "Error".to_owned(),
    }
}

fn is_e164(n: &str) -> bool {
    let digits = n.strip_prefix('+').unwrap_or("");
    (2..=15).contains(&digits.len())
        && digits.chars().all(|c| c.is_ascii_digit())
        && !digits.starts_with('0')
}

fn base64(input: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

async fn messages(
    State(s): State<Shared>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let fault = {
        let mut st = lock(&s);
        st.requests += 1;
        st.faults.pop_front()
    };
    let expected = format!(
        "Basic {}",
        base64(format!("{ACCOUNT_SID}:{AUTH_TOKEN}").as_bytes())
    );
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if sid != ACCOUNT_SID || auth != Some(expected.as_str()) {
        lock(&s).unauthorized += 1;
        return error(401, 20003, &message_for(20003, "", ""));
    }
    let to = form.get("To").cloned().unwrap_or_default();
    let from = form.get("From").cloned().unwrap_or_default();
    let body = form.get("Body").cloned().unwrap_or_default();
    match fault {
        Some(Fault::Error { status, code }) => {
            return error(status, code, &message_for(code, &to, &from))
        }
        Some(Fault::Status(status)) => {
            return StatusCode::from_u16(status)
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
                .into_response()
        }
        Some(Fault::Slow(d)) => tokio::time::sleep(d).await,
        None => {}
    }
    if !is_e164(&to) {
        return error(400, 21211, &message_for(21211, &to, &from));
    }
    if from != FROM {
        return error(400, 21659, &message_for(21659, &to, &from));
    }
    if body.trim().is_empty() {
        return error(400, 21602, &message_for(21602, &to, &from));
    }
    let mut st = lock(&s);
    if st.unverified.contains(&to) {
        return error(400, 21608, &message_for(21608, &to, &from));
    }
    if st.unsubscribed.contains(&to) {
        return error(400, 21610, &message_for(21610, &to, &from));
    }
    let sid = format!("SM{:032x}", st.messages.len() as u128 + 1);
    st.messages.push(Sms {
        sid: sid.clone(),
        to: to.clone(),
        from: from.clone(),
        body: body.clone(),
    });
    (
        StatusCode::CREATED,
        axum::Json(json!({
            "account_sid": ACCOUNT_SID,
            "api_version": "2010-04-01",
            "body": body,
            "date_created": chrono::Utc::now().to_rfc2822(),
            "direction": "outbound-api",
            "error_code": null,
            "error_message": null,
            "from": from,
            "num_media": "0",
            "num_segments": "1",
            "price": null,
            "sid": sid,
            "status": "queued",
            "to": to,
            "uri": format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json"),
        })),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_the_rfc_examples() {
        assert_eq!(super::base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(super::base64(b"fooba"), "Zm9vYmE=");
        assert_eq!(super::base64(b"foob"), "Zm9vYg==");
    }
}
