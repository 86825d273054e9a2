//! How each forwarding channel is reached: the device settings, the
//! secrets in the keyring, and environment overrides for headless use and tests. Setting a
//! channel's variables turns that channel on (a server configured by its environment alone).
//! The variables are [`env::DELIVERY`], each documented in [`crate::env`]: the mail server
//! ([`env::SMTP_URL`], [`env::SMTP_CA_FILE`]), sender and recipient ([`env::EMAIL_FROM`],
//! [`env::EMAIL_TO`]), Twilio ([`env::TWILIO_URL`], [`env::TWILIO_ACCOUNT_SID`],
//! [`env::TWILIO_AUTH_TOKEN`]) and the numbers ([`env::SMS_FROM`], [`env::SMS_TO`]).
//!
//! Secrets from the environment are held in memory only, never written anywhere.

use std::path::PathBuf;
use std::time::Duration;

use crate::delivery::email::EmailConfig;
use crate::delivery::sms::{self, SmsConfig};
use crate::env::{self, Env};
use crate::error::SendError;
pub use crate::secrets::Secret;
use crate::secrets::{self, SecretStore};
use crate::settings::{Settings, SmtpSecurity};

/// How long one send may take before it counts as failed (well inside an outbox claim).
pub const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// Email is on: switched on in the settings, or configured by the environment alone.
pub fn email_on(settings: &Settings, env: &Env) -> bool {
    settings.notify_email || env.is_set(env::SMTP_URL) || env.is_set(env::EMAIL_TO)
}

/// SMS is on: switched on in the settings, or configured by the environment alone.
pub fn sms_on(settings: &Settings, env: &Env) -> bool {
    settings.notify_sms || env.is_set(env::TWILIO_ACCOUNT_SID) || env.is_set(env::SMS_TO)
}

/// A text setting, blank meaning unset (settings are read as the app wrote them, unvalidated: a
/// bad value must fail its own channel with a clear error, not stop every reminder).
fn text(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

fn secret(secrets: Option<&dyn SecretStore>, key: &str) -> Result<Option<Secret>, SendError> {
    match secrets {
        None => Ok(None),
        Some(s) => s
            .get(key)
            .map(|v| v.filter(|v| !v.is_empty()).map(Secret::new))
            .map_err(|e| SendError::NotConfigured(format!("the keyring could not be read: {e}"))),
    }
}

/// How email reaches the rider, from the environment first, then the settings and the keyring; or
/// why it cannot (every delivery on the channel then reports that).
pub fn email(
    settings: &Settings,
    secrets: Option<&dyn SecretStore>,
    env: &Env,
) -> Result<EmailConfig, SendError> {
    let (host, port, security, mut user, mut password) = match env.var(env::SMTP_URL) {
        Some(url) => parse_smtp_url(&url)?,
        None => {
            let host = text(&settings.smtp_host).ok_or_else(|| {
                SendError::NotConfigured(format!(
                    "email is on but no mail server is set; set it in this device's reminder settings or with {}",
                    env::SMTP_URL
                ))
            })?;
            let security = settings.smtp_security;
            let port = settings
                .smtp_port
                .filter(|p| *p != 0)
                .unwrap_or(security.default_port());
            (host, port, security, text(&settings.smtp_user), None)
        }
    };
    if user.as_deref().is_some_and(str::is_empty) {
        user = None;
    }
    if user.is_some() && password.is_none() {
        password = secret(secrets, secrets::SMTP_PASSWORD)?;
    }
    let to = env
        .var(env::EMAIL_TO)
        .or_else(|| text(&settings.email_to))
        .ok_or_else(|| {
            SendError::NotConfigured(format!(
                "email is on but no address to send reminders to is set; set it in this device's reminder settings or with {}",
                env::EMAIL_TO
            ))
        })?;
    let from = env
        .var(env::EMAIL_FROM)
        .or_else(|| text(&settings.email_from))
        .or_else(|| user.clone().filter(|u| u.contains('@')))
        .unwrap_or_else(|| to.clone());
    Ok(EmailConfig {
        host,
        port,
        security,
        user,
        password,
        from,
        to,
        ca_file: env.var(env::SMTP_CA_FILE).map(PathBuf::from),
        digest_hour: settings
            .email_digest
            .then_some(settings.digest_hour.min(23)),
        timeout: SEND_TIMEOUT,
    })
}

type SmtpUrl = (String, u16, SmtpSecurity, Option<String>, Option<Secret>);

/// `smtp://user:pass@host:port[?tls=required]` or `smtps://…`. Errors never repeat the URL (it
/// may hold the password).
pub fn parse_smtp_url(text: &str) -> Result<SmtpUrl, SendError> {
    let bad = |why: &str| {
        SendError::NotConfigured(format!(
            "{} is not usable: {why}; write it as smtp://user:password@host:587?tls=required, smtps://user:password@host:465, or smtp://127.0.0.1:25 for a server on this machine",
            env::SMTP_URL
        ))
    };
    let url = url::Url::parse(text.trim()).map_err(|_| bad("it is not a URL"))?;
    let tls = url
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.into_owned());
    let security = match (url.scheme(), tls.as_deref()) {
        ("smtp", None | Some("none")) => SmtpSecurity::Plain,
        ("smtp", Some("required")) => SmtpSecurity::Starttls,
        ("smtp", Some("opportunistic")) => {
            return Err(bad(
                "tls=opportunistic would send the password unencrypted when the server offers no TLS; use tls=required",
            ))
        }
        ("smtps", None | Some("required")) => SmtpSecurity::Tls,
        ("smtp" | "smtps", Some(_)) => return Err(bad("tls= takes 'required'")),
        _ => return Err(bad("the scheme must be smtp or smtps")),
    };
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| bad("it names no host"))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let decode = |s: &str| -> Result<String, SendError> {
        percent_decode(s).ok_or_else(|| bad("the user or password is not valid percent-encoding"))
    };
    let user = match url.username() {
        "" => None,
        u => Some(decode(u)?),
    };
    let password = url.password().map(decode).transpose()?.map(Secret::new);
    let port = url.port().unwrap_or(security.default_port());
    Ok((host, port, security, user, password))
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// How texts reach the rider, from the environment first, then the settings and the keyring; or
/// why they cannot.
pub fn sms(
    settings: &Settings,
    secrets: Option<&dyn SecretStore>,
    env: &Env,
) -> Result<SmsConfig, SendError> {
    let missing = |what: &str, var: &str| {
        SendError::NotConfigured(format!(
            "SMS is on but {what} is not set; set it in this device's reminder settings or with {var}"
        ))
    };
    let account_sid = env
        .var(env::TWILIO_ACCOUNT_SID)
        .or_else(|| text(&settings.twilio_account_sid))
        .ok_or_else(|| missing("the Twilio Account SID", env::TWILIO_ACCOUNT_SID))?;
    let auth_token = match env.var(env::TWILIO_AUTH_TOKEN) {
        Some(t) => Secret::new(t),
        None => secret(secrets, secrets::TWILIO_AUTH_TOKEN)?
            .ok_or_else(|| missing("the Twilio auth token", env::TWILIO_AUTH_TOKEN))?,
    };
    let from = env
        .var(env::SMS_FROM)
        .or_else(|| text(&settings.sms_from))
        .ok_or_else(|| missing("the Twilio number texts come from", env::SMS_FROM))?;
    let to = env
        .var(env::SMS_TO)
        .or_else(|| text(&settings.sms_to))
        .ok_or_else(|| missing("the phone number to text", env::SMS_TO))?;
    Ok(SmsConfig {
        base_url: env
            .var(env::TWILIO_URL)
            .unwrap_or_else(|| sms::DEFAULT_URL.to_owned()),
        account_sid: account_sid.trim().to_owned(),
        auth_token,
        from,
        to,
        timeout: SEND_TIMEOUT,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::MemorySecrets;

    #[test]
    fn smtp_urls_give_security_port_and_login() {
        let (host, port, sec, user, pw) =
            parse_smtp_url("smtp://rider%40example.org:p%40ss@127.0.0.1:2525").unwrap();
        assert_eq!(
            (host.as_str(), port, sec),
            ("127.0.0.1", 2525, SmtpSecurity::Plain)
        );
        assert_eq!(user.as_deref(), Some("rider@example.org"));
        assert_eq!(pw.unwrap().expose(), "p@ss");
        let (_, port, sec, ..) = parse_smtp_url("smtp://mail.example.org?tls=required").unwrap();
        assert_eq!((port, sec), (587, SmtpSecurity::Starttls));
        let (_, port, sec, ..) = parse_smtp_url("smtps://mail.example.org").unwrap();
        assert_eq!((port, sec), (465, SmtpSecurity::Tls));
        let e = parse_smtp_url("smtp://u:hunter2@mail.example.org?tls=opportunistic").unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
        assert!(parse_smtp_url("http://x").is_err());
    }

    #[test]
    fn variables_turn_channels_on_and_override_settings() {
        let settings = Settings::default();
        let none = Env::default();
        assert!(!email_on(&settings, &none) && !sms_on(&settings, &none));

        let vars = Env::from_pairs([
            (env::SMTP_URL, "smtp://u:pw@127.0.0.1:2525"),
            (env::EMAIL_TO, "rider@example.org"),
            (env::TWILIO_ACCOUNT_SID, "AC1"),
            (env::TWILIO_AUTH_TOKEN, "s3cr3t-t0ken"),
            (env::SMS_FROM, "+15005550006"),
            (env::SMS_TO, "+447700900123"),
        ]);
        assert!(email_on(&settings, &vars) && sms_on(&settings, &vars));
        let email = email(&settings, None, &vars).unwrap();
        assert_eq!(email.password.as_ref().unwrap().expose(), "pw");
        assert_eq!(
            email.from, "rider@example.org",
            "the recipient when nothing else says"
        );
        let sms = sms(&settings, None, &vars).unwrap();
        assert_eq!(sms.base_url, sms::DEFAULT_URL);
        assert!(
            !format!("{email:?} {sms:?}").contains("s3cr3t"),
            "secrets stay out of Debug"
        );
    }

    #[test]
    fn settings_and_keyring_configure_email_and_a_missing_piece_is_named() {
        let secrets = MemorySecrets::default();
        secrets.set(secrets::SMTP_PASSWORD, "from-keyring").unwrap();
        let settings = Settings {
            notify_email: true,
            smtp_host: Some("mail.example.org".into()),
            smtp_user: Some("rider@example.org".into()),
            email_to: Some("me@example.org".into()),
            email_digest: true,
            ..Settings::default()
        };
        let c = email(&settings, Some(&secrets), &Env::default()).unwrap();
        assert_eq!((c.port, c.security), (587, SmtpSecurity::Starttls));
        assert_eq!(c.password.unwrap().expose(), "from-keyring");
        assert_eq!(c.from, "rider@example.org");
        assert_eq!(c.digest_hour, Some(crate::settings::DEFAULT_DIGEST_HOUR));

        let sms_on = Settings {
            notify_sms: true,
            ..Settings::default()
        };
        assert!(super::sms_on(&sms_on, &Env::default()));
        let e = sms(&sms_on, Some(&secrets), &Env::default()).unwrap_err();
        assert!(e.to_string().contains("Account SID"), "{e}");
    }
}
