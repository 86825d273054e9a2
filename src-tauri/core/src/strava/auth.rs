//! Connecting to Strava: OAuth 2 authorization code through a one-shot listener on 127.0.0.1
//! (desktop and CLI), with a random `state` checked on return; the code is exchanged with the
//! `oauth2` crate, sending the client id and secret in the form body as Strava expects (it has no
//! PKCE). Refreshing tokens goes through the same client.

use std::time::Duration;

use oauth2::basic::{
    BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, Client, ClientId, ClientSecret, CsrfToken,
    EndpointNotSet, EndpointSet, ErrorResponse, ExtraTokenFields, RedirectUrl, RefreshToken,
    RequestTokenError, Scope, StandardRevocableToken, StandardTokenResponse, TokenResponse,
    TokenUrl,
};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::strava::api::{self, Config};
use crate::strava::StravaError;

/// What the sync needs, in Strava's words.
pub const SCOPES: [&str; 3] = ["read", "activity:read_all", "profile:read_all"];
const CALLBACK_PATH: &str = "/strava/callback";

/// What each scope is for, as Strava's consent page puts it.
fn explain(scope: &str) -> &'static str {
    match scope {
        "activity:read_all" => {
            "\"View data about your private activities\" (rides that are private or followers-only would be missed)"
        }
        "profile:read_all" => "\"View your complete Strava profile\" (your bikes are in it)",
        _ => "\"View data about your public profile\"",
    }
}

/// Strava's extra fields on a token response: `expires_at` (epoch seconds) and the athlete.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StravaExtra {
    #[serde(default)]
    pub expires_at: Option<i64>,
    #[serde(default)]
    pub athlete: Option<AthleteSummary>,
}
impl ExtraTokenFields for StravaExtra {}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AthleteSummary {
    pub id: i64,
    #[serde(default)]
    pub firstname: Option<String>,
    #[serde(default)]
    pub lastname: Option<String>,
}

/// Strava's error body: `{"message": "...", "errors": [{"resource", "field", "code"}]}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StravaErrorResponse {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FieldError {
    #[serde(default)]
    pub resource: String,
    #[serde(default)]
    pub field: String,
    #[serde(default)]
    pub code: String,
}

impl std::fmt::Display for StravaErrorResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.message)?;
        for e in &self.errors {
            write!(f, " ({} {} {})", e.resource, e.field, e.code)?;
        }
        Ok(())
    }
}
impl ErrorResponse for StravaErrorResponse {}

impl StravaErrorResponse {
    fn about(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.field == field)
    }
}

pub type TokenAnswer = StandardTokenResponse<StravaExtra, BasicTokenType>;

type StravaClient = Client<
    StravaErrorResponse,
    TokenAnswer,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

fn client(
    config: &Config,
    client_id: &str,
    client_secret: &str,
) -> Result<StravaClient, StravaError> {
    let bad = |e: oauth2::url::ParseError| {
        StravaError::Invalid(format!(
            "the Strava address '{}' is not a URL: {e}",
            config.base_url
        ))
    };
    Ok(Client::new(ClientId::new(client_id.to_owned()))
        .set_client_secret(ClientSecret::new(client_secret.to_owned()))
        .set_auth_uri(AuthUrl::new(format!("{}/oauth/authorize", config.base_url)).map_err(bad)?)
        .set_token_uri(TokenUrl::new(format!("{}/oauth/token", config.base_url)).map_err(bad)?)
        .set_auth_type(AuthType::RequestBody))
}

/// Tokens as Strava issued them.
#[derive(Clone, PartialEq, Eq)]
pub struct Issued {
    pub access_token: String,
    /// Epoch seconds.
    pub expires_at: i64,
    pub refresh_token: String,
}

impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print a token, even in a debug dump.
        write!(f, "Issued {{ expires_at: {}, .. }}", self.expires_at)
    }
}

fn issued(
    answer: &TokenAnswer,
    old_refresh: Option<&str>,
    now_s: i64,
) -> Result<Issued, StravaError> {
    let refresh = answer
        .refresh_token()
        .map(|r| r.secret().clone())
        .or_else(|| old_refresh.map(str::to_owned))
        .ok_or_else(|| StravaError::Exchange("Strava's answer had no refresh token".into()))?;
    let expires_at = answer
        .extra_fields()
        .expires_at
        .or_else(|| answer.expires_in().map(|d| now_s + d.as_secs() as i64))
        .unwrap_or(now_s + 6 * 3600);
    Ok(Issued {
        access_token: answer.access_token().secret().clone(),
        expires_at,
        refresh_token: refresh,
    })
}

fn exchange_error(
    e: RequestTokenError<oauth2::HttpClientError<reqwest::Error>, StravaErrorResponse>,
) -> StravaError {
    match e {
        RequestTokenError::ServerResponse(r)
            if r.about("client_secret") || r.about("client_id") =>
        {
            StravaError::BadCredentials
        }
        RequestTokenError::ServerResponse(r) if r.about("refresh_token") || r.about("code") => {
            StravaError::TokenRejected
        }
        RequestTokenError::ServerResponse(r) => StravaError::Exchange(r.to_string()),
        RequestTokenError::Request(e) => StravaError::Api(api::ApiError::Offline(format!(
            "the token request failed: {e}"
        ))),
        RequestTokenError::Parse(e, _) => {
            StravaError::Api(api::ApiError::Malformed(format!("a token answer ({e})")))
        }
        RequestTokenError::Other(e) => StravaError::Exchange(e),
    }
}

/// Exchanges a refresh token for fresh tokens (a new refresh token may come back, and then the
/// old one no longer works).
pub async fn refresh(
    config: &Config,
    client_id: &str,
    client_secret: &str,
    refresh_token: &str,
    now_s: i64,
) -> Result<Issued, StravaError> {
    let http = api::http_client(config)?;
    let answer = client(config, client_id, client_secret)?
        .exchange_refresh_token(&RefreshToken::new(refresh_token.to_owned()))
        .request_async(&http)
        .await
        .map_err(exchange_error)?;
    issued(&answer, Some(refresh_token), now_s)
}

/// A connection waiting for the rider to approve it in the browser.
pub struct Pending {
    /// Open this in the browser (and show it, so the rider can copy it).
    pub authorize_url: String,
    listener: TcpListener,
    state: CsrfToken,
    client_id: String,
    client_secret: String,
    config: Config,
}

/// The rider approved; Strava issued tokens for this athlete.
pub struct Connected {
    pub client_id: String,
    pub client_secret: String,
    pub athlete_id: i64,
    pub athlete_name: String,
    pub scopes: String,
    pub tokens: Issued,
}

/// Starts a connection: a listener on a random loopback port, and the URL that asks the rider.
pub async fn begin(
    config: &Config,
    client_id: &str,
    client_secret: &str,
) -> Result<Pending, StravaError> {
    let client_id = client_id.trim();
    let client_secret = client_secret.trim();
    if client_id.is_empty() || !client_id.chars().all(|c| c.is_ascii_digit()) {
        return Err(StravaError::Invalid(
            "the client id is the number shown as \"Client ID\" on strava.com/settings/api".into(),
        ));
    }
    if client_secret.len() < 10 || client_secret.chars().any(char::is_whitespace) {
        return Err(StravaError::Invalid(
            "the client secret is the long code shown as \"Client Secret\" on strava.com/settings/api".into(),
        ));
    }
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| StravaError::Listener(format!("could not listen on 127.0.0.1: {e}")))?;
    let port = listener
        .local_addr()
        .map_err(|e| StravaError::Listener(e.to_string()))?
        .port();
    let redirect = RedirectUrl::new(format!("http://127.0.0.1:{port}{CALLBACK_PATH}"))
        .map_err(|e| StravaError::Listener(e.to_string()))?;
    let (url, state) = client(config, client_id, client_secret)?
        .set_redirect_uri(redirect)
        .authorize_url(CsrfToken::new_random)
        // Strava wants the scopes comma-separated, in one parameter.
        .add_scope(Scope::new(SCOPES.join(",")))
        .add_extra_param("approval_prompt", "auto")
        .url();
    Ok(Pending {
        authorize_url: url.to_string(),
        listener,
        state,
        client_id: client_id.to_owned(),
        client_secret: client_secret.to_owned(),
        config: config.clone(),
    })
}

impl Pending {
    /// Waits (at most `timeout`) for Strava to send the rider back, then exchanges the code.
    pub async fn finish(self, timeout: Duration) -> Result<Connected, StravaError> {
        let state = self.state.secret().clone();
        let (mut socket, query) =
            tokio::time::timeout(timeout, wait_for_callback(&self.listener, &state))
                .await
                .map_err(|_| StravaError::TimedOut(timeout.as_secs() / 60))??;
        let result = self.complete(&query).await;
        // The browser learns the outcome too, after every check.
        let page = match &result {
            Ok(c) => format!(
                "Connected to Strava as {}. You can close this tab and go back to Pedalwrencher.",
                html_escape(&c.athlete_name)
            ),
            Err(e) => format!(
                "Pedalwrencher could not connect: {}",
                html_escape(&e.to_string())
            ),
        };
        respond(&mut socket, "200 OK", &page).await;
        result
    }

    /// Checks what Strava sent back (the redirect's query string) and exchanges the code. Also
    /// the end of the mobile flow, where the redirect arrives as a deep link.
    pub async fn complete(self, query: &str) -> Result<Connected, StravaError> {
        let params: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let get = |k: &str| {
            params
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        if get("state") != Some(self.state.secret().as_str()) {
            return Err(StravaError::StateMismatch);
        }
        if let Some(e) = get("error") {
            return Err(if e == "access_denied" {
                StravaError::Denied
            } else {
                StravaError::Exchange(format!("Strava said: {e}"))
            });
        }
        let code =
            get("code").ok_or_else(|| StravaError::Exchange("Strava sent no code".into()))?;
        let granted: Vec<&str> = get("scope")
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .collect();
        let missing: Vec<&str> = SCOPES
            .iter()
            .copied()
            .filter(|s| !granted.contains(s))
            .collect();
        if !missing.is_empty() {
            return Err(StravaError::MissingScopes(
                missing
                    .iter()
                    .map(|s| explain(s))
                    .collect::<Vec<_>>()
                    .join(" and "),
            ));
        }
        let http = api::http_client(&self.config)?;
        let answer = client(&self.config, &self.client_id, &self.client_secret)?
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .request_async(&http)
            .await
            .map_err(exchange_error)?;
        let now_s = chrono::Utc::now().timestamp();
        let tokens = issued(&answer, None, now_s)?;
        let athlete = answer.extra_fields().athlete.clone().unwrap_or_default();
        let name = [athlete.firstname.as_deref(), athlete.lastname.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        Ok(Connected {
            client_id: self.client_id,
            client_secret: self.client_secret,
            athlete_id: athlete.id,
            athlete_name: if name.trim().is_empty() {
                format!("athlete {}", athlete.id)
            } else {
                name
            },
            scopes: SCOPES.join(","),
            tokens,
        })
    }
}

impl std::fmt::Debug for Connected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the client secret or a token, even in a debug dump.
        f.debug_struct("Connected")
            .field("client_id", &self.client_id)
            .field("athlete_id", &self.athlete_id)
            .field("athlete_name", &self.athlete_name)
            .field("scopes", &self.scopes)
            .field("tokens", &self.tokens)
            .finish_non_exhaustive()
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

async fn respond(socket: &mut tokio::net::TcpStream, status: &str, text: &str) {
    let body = format!(
        "<!doctype html><meta charset=utf-8><title>Pedalwrencher</title>\
         <body style=\"font-family:sans-serif;margin:3em\"><h1>Pedalwrencher</h1><p>{text}</p></body>"
    );
    let reply = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = socket.write_all(reply.as_bytes()).await;
    let _ = socket.shutdown().await;
}

/// Reads a request's line, giving up on a client that sends nothing for a few seconds (a
/// browser's speculative connection must not hold up the real callback).
async fn request_target(socket: &mut tokio::net::TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 2048];
    let read = async {
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(5), read)
        .await
        .ok()?;
    let head = String::from_utf8_lossy(&buf);
    head.lines()
        .next()
        .and_then(|l| l.strip_prefix("GET "))
        .and_then(|l| l.split_whitespace().next())
        .map(str::to_owned)
}

/// Accepts connections until one brings the callback with this attempt's `state`; everything
/// else (a favicon, a stale tab of an earlier attempt) is answered and the wait goes on.
async fn wait_for_callback(
    listener: &TcpListener,
    state: &str,
) -> Result<(tokio::net::TcpStream, String), StravaError> {
    loop {
        let (mut socket, _) = listener
            .accept()
            .await
            .map_err(|e| StravaError::Listener(e.to_string()))?;
        let Some(target) = request_target(&mut socket).await else {
            continue;
        };
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        if path != CALLBACK_PATH {
            respond(&mut socket, "404 Not Found", "Nothing here.").await;
            continue;
        }
        let ours =
            url::form_urlencoded::parse(query.as_bytes()).any(|(k, v)| k == "state" && v == state);
        if !ours {
            respond(
                &mut socket,
                "400 Bad Request",
                "This page belongs to an earlier connection attempt; use the newest address Pedalwrencher shows.",
            )
            .await;
            continue;
        }
        return Ok((socket, query.to_owned()));
    }
}

/// Revokes the connection at Strava (`POST /oauth/deauthorize`).
pub async fn deauthorize(config: &Config, access_token: &str) -> Result<(), StravaError> {
    let http = api::http_client(config)?;
    let resp = http
        .post(format!("{}/oauth/deauthorize", config.base_url))
        .form(&[("access_token", access_token)])
        .send()
        .await
        .map_err(|e| StravaError::Api(api::ApiError::Offline(e.without_url().to_string())))?;
    match resp.status().as_u16() {
        200..=299 => Ok(()),
        // Already revoked (on strava.com, say): nothing left to revoke.
        401 => Ok(()),
        s => Err(StravaError::Api(api::ApiError::Server(s))),
    }
}
