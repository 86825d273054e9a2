//! Email over SMTP (lettre on rustls): STARTTLS, implicit TLS, or plain to a server on this
//! machine; a login when one is configured; plain text with an HTML alternative. Every reminder
//! email carries a Message-ID derived from the reminder (`<reminder-ID@pedalwrencher>`), so a
//! copy sent again after a crash is recognisable (mail clients fold it into the first). A custom
//! CA can be trusted, for riders with their own mail server. Failures come back as
//! [`SendError`]s: authentication failed, connection refused, certificate not trusted, …

use std::error::Error as StdError;
use std::path::PathBuf;
use std::time::Duration;

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::delivery::channel::Channel;
use crate::delivery::message::{self, html_escape};
use crate::delivery::sender::{Outgoing, SendFuture, Sender};
use crate::env;
use crate::error::SendError;
use crate::secrets::Secret;
use crate::settings::SmtpSecurity;
use crate::units::Units;

/// Everything needed to send: from settings and the keyring, or the environment.
#[derive(Debug, Clone, PartialEq)]
pub struct EmailConfig {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub user: Option<String>,
    pub password: Option<Secret>,
    pub from: String,
    pub to: String,
    /// A PEM file of extra certificate authorities to trust.
    pub ca_file: Option<PathBuf>,
    /// Set: reminders go out once a day, together, at this local hour.
    pub digest_hour: Option<u8>,
    pub timeout: Duration,
}

impl EmailConfig {
    /// "smtp.example.org:587 (STARTTLS)", for messages; never the password.
    pub fn server(&self) -> String {
        let how = match self.security {
            SmtpSecurity::Starttls => "STARTTLS",
            SmtpSecurity::Tls => "TLS",
            SmtpSecurity::Plain => "no encryption",
        };
        format!("{}:{} ({how})", self.host, self.port)
    }
}

/// True for addresses that never leave this machine: plain SMTP is allowed only to them.
pub fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

pub struct EmailSender {
    config: EmailConfig,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    to: Mailbox,
    units: Units,
}

impl std::fmt::Debug for EmailSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailSender")
            .field("server", &self.config.server())
            .field("to", &self.config.to)
            .finish()
    }
}

impl EmailSender {
    pub fn new(config: EmailConfig, units: Units) -> Result<EmailSender, SendError> {
        if config.security == SmtpSecurity::Plain && !is_loopback(&config.host) {
            return Err(SendError::NotConfigured(format!(
                "plain SMTP (no encryption) is allowed only to a server on this machine, not {}; use STARTTLS or TLS",
                config.host
            )));
        }
        let from: Mailbox = config.from.parse().map_err(|e| {
            SendError::NotConfigured(format!(
                "the sender address '{}' is not valid ({e})",
                config.from
            ))
        })?;
        let to: Mailbox = config.to.parse().map_err(|e| {
            SendError::NotConfigured(format!(
                "the email address '{}' is not valid ({e})",
                config.to
            ))
        })?;
        let tls = match config.security {
            SmtpSecurity::Plain => Tls::None,
            SmtpSecurity::Starttls => Tls::Required(tls_parameters(&config)?),
            SmtpSecurity::Tls => Tls::Wrapper(tls_parameters(&config)?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port)
            .tls(tls)
            .timeout(Some(config.timeout));
        if let Some(user) = &config.user {
            let password = config.password.as_ref().ok_or_else(|| {
                SendError::NotConfigured(format!(
                    "no SMTP password for {user}; set it in this device's reminder settings (it is kept in the keyring) or put it in {}",
                    env::SMTP_URL
                ))
            })?;
            builder =
                builder.credentials(Credentials::new(user.clone(), password.expose().to_owned()));
        }
        Ok(EmailSender {
            transport: builder.build(),
            config,
            from,
            to,
            units,
        })
    }

    pub fn config(&self) -> &EmailConfig {
        &self.config
    }

    /// Sends a test email now ("Send test" in settings, `notify --test email`).
    pub async fn send_test(&self) -> Result<(), SendError> {
        let plain = format!(
            "This is a test from Pedalwrencher. Reminders will arrive at this address from {}.\n",
            self.config.server()
        );
        let html = format!("<p>{}</p>", html_escape(plain.trim()));
        let msg = self.build(
            "Pedalwrencher test email",
            format!("<test-{}@pedalwrencher>", uuid::Uuid::now_v7()),
            None,
            plain,
            html,
        )?;
        self.deliver(msg).await
    }

    fn build(
        &self,
        subject: &str,
        message_id: String,
        reminder: Option<&str>,
        plain: String,
        html: String,
    ) -> Result<Message, SendError> {
        let mut b = Message::builder()
            .from(self.from.clone())
            .to(self.to.clone())
            .subject(subject)
            .message_id(Some(message_id))
            .user_agent(concat!("Pedalwrencher/", env!("CARGO_PKG_VERSION")).to_owned())
            // RFC 3834: machine-made, so auto-responders stay quiet.
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".to_owned(),
            ));
        if let Some(id) = reminder {
            b = b.raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("X-Pedalwrencher-Reminder"),
                id.to_owned(),
            ));
        }
        b.multipart(MultiPart::alternative_plain_html(plain, html))
            .map_err(|e| SendError::Rejected(format!("the email could not be put together: {e}")))
    }

    /// One reminder's email.
    fn reminder_email(&self, item: &Outgoing) -> Result<Message, SendError> {
        let r = &item.reminder;
        let m = message::render(self.units, r);
        let plain = format!(
            "{}\n\nWhen it is done, mark it done in Pedalwrencher so the counter starts again.\n",
            m.body
        );
        let html = format!(
            "<p><strong>{}</strong></p><p>{}</p><p style=\"color:#666\">When it is done, mark it done in Pedalwrencher so the counter starts again.</p>",
            html_escape(&m.title),
            html_escape(&m.body)
        );
        self.build(&m.title, message_id(&r.id), Some(&r.id), plain, html)
    }

    /// The day's reminders in one email.
    fn digest_email(&self, items: &[Outgoing]) -> Result<Message, SendError> {
        let rendered: Vec<_> = items
            .iter()
            .map(|i| message::render(self.units, &i.reminder))
            .collect();
        let subject = format!(
            "Pedalwrencher: {} part{} need{} care",
            items.len(),
            if items.len() == 1 { "" } else { "s" },
            if items.len() == 1 { "s" } else { "" }
        );
        let mut plain = String::from("Today's reminders:\n\n");
        let mut html = String::from("<p>Today's reminders:</p><ul>");
        for m in &rendered {
            plain.push_str(&format!("- {}\n", m.body));
            html.push_str(&format!("<li>{}</li>", html_escape(&m.body)));
        }
        plain.push_str(
            "\nWhen one is done, mark it done in Pedalwrencher so its counter starts again.\n",
        );
        html.push_str("</ul>");
        let mut ids: Vec<&str> = items.iter().map(|i| i.reminder.id.as_str()).collect();
        ids.sort_unstable();
        let digest_id = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, ids.join(",").as_bytes());
        self.build(
            &subject,
            format!("<digest-{digest_id}@pedalwrencher>"),
            None,
            plain,
            html,
        )
    }

    async fn deliver(&self, msg: Message) -> Result<(), SendError> {
        self.transport
            .send(msg)
            .await
            .map(|_| ())
            .map_err(|e| classify(&e, &self.config))
    }
}

/// The Message-ID of a reminder's email: the same on every retry.
pub fn message_id(reminder_id: &str) -> String {
    format!("<reminder-{reminder_id}@pedalwrencher>")
}

impl Sender for EmailSender {
    fn channel(&self) -> Channel {
        Channel::Email
    }

    fn batches(&self) -> bool {
        self.config.digest_hour.is_some()
    }

    fn digest_hour(&self) -> Option<u8> {
        self.config.digest_hour
    }

    fn send_test(&self) -> SendFuture<'_> {
        Box::pin(EmailSender::send_test(self))
    }

    fn recipient(&self) -> String {
        format!("{} via {}", self.config.to, self.config.server())
    }

    fn send<'a>(&'a self, items: &'a [Outgoing]) -> SendFuture<'a> {
        Box::pin(async move {
            let msg = match items {
                [] => return Ok(()),
                [one] => self.reminder_email(one)?,
                many => self.digest_email(many)?,
            };
            self.deliver(msg).await
        })
    }
}

fn tls_parameters(config: &EmailConfig) -> Result<TlsParameters, SendError> {
    let mut b = TlsParameters::builder(config.host.clone());
    if let Some(path) = &config.ca_file {
        let pem = std::fs::read(path).map_err(|e| {
            SendError::NotConfigured(format!(
                "the CA file {} could not be read ({e})",
                path.display()
            ))
        })?;
        let cert = Certificate::from_pem(&pem).map_err(|e| {
            SendError::NotConfigured(format!(
                "the CA file {} is not a PEM certificate ({e})",
                path.display()
            ))
        })?;
        b = b.add_root_certificate(cert);
    }
    b.build_rustls().map_err(|e| {
        SendError::NotConfigured(format!("TLS could not be set up for {}: {e}", config.host))
    })
}

/// Every error in `e`'s chain, looking inside I/O errors too (their `source` skips the error
/// they wrap).
fn chain<'a>(e: &'a (dyn StdError + 'static)) -> Vec<&'a (dyn StdError + 'static)> {
    let mut out = Vec::new();
    let mut next = Some(e);
    while let Some(err) = next {
        out.push(err);
        if out.len() > 16 {
            break;
        }
        next = match err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn StdError + 'static)),
            None => err.source(),
        };
    }
    out
}

/// lettre's error in the rider's words.
fn classify(e: &lettre::transport::smtp::Error, config: &EmailConfig) -> SendError {
    let server = config.server();
    let errors = chain(e);
    for err in &errors {
        if let Some(tls) = err.downcast_ref::<rustls::Error>() {
            return match tls {
                rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName)
                | rustls::Error::InvalidCertificate(
                    rustls::CertificateError::NotValidForNameContext { .. },
                ) => SendError::CertificateNotTrusted(format!(
                    "{server} presented a certificate for another name than {}",
                    config.host
                )),
                rustls::Error::InvalidCertificate(
                    rustls::CertificateError::Expired | rustls::CertificateError::ExpiredContext { .. },
                ) => SendError::CertificateNotTrusted(format!(
                    "the certificate of {server} has expired"
                )),
                rustls::Error::InvalidCertificate(reason) => SendError::CertificateNotTrusted(format!(
                    "{server} presented a certificate this device does not trust ({reason:?}); if it is your own server, set its CA file ({})",
                    env::SMTP_CA_FILE
                )),
                other => SendError::Unreachable(format!("{server}: TLS failed ({other})")),
            };
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind as K;
            match io.kind() {
                K::ConnectionRefused => {
                    return SendError::ConnectionRefused(format!(
                        "nothing answers at {server}; check the host and port, and that the mail server is running"
                    ))
                }
                K::TimedOut => {
                    return SendError::Unreachable(format!("{server} (timed out)"))
                }
                _ => {}
            }
        }
    }
    if let Some(code) = e.status() {
        let text = errors
            .iter()
            .skip(1)
            .map(|s| s.to_string())
            .next()
            .unwrap_or_default();
        let code_text = code.to_string();
        if code_text == "535" || code_text == "534" || (code_text == "530" && config.user.is_some())
        {
            return SendError::AuthFailed(format!(
                "{server} refused the user name or password ({code_text} {}); check them in this device's reminder settings",
                text.trim()
            ));
        }
        return SendError::Rejected(format!(
            "{server} refused the email ({code_text} {}){}",
            text.trim(),
            if e.is_transient() {
                "; it is tried again later"
            } else {
                ""
            }
        ));
    }
    let detail = errors
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
        .join(": ");
    if e.is_client() && detail.contains("authentication mechanism") {
        return SendError::AuthFailed(format!(
            "{server} offers no login this app can use over this connection; use STARTTLS or TLS, or check the server's AUTH settings"
        ));
    }
    if e.is_timeout() {
        return SendError::Unreachable(format!("{server} (timed out)"));
    }
    if e.is_tls() {
        return SendError::Unreachable(format!("{server}: TLS failed ({detail})"));
    }
    SendError::Unreachable(format!("{server} ({detail})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(security: SmtpSecurity, host: &str) -> EmailConfig {
        EmailConfig {
            host: host.into(),
            port: 2525,
            security,
            user: None,
            password: None,
            from: "pedalwrencher@example.org".into(),
            to: "rider@example.org".into(),
            ca_file: None,
            digest_hour: None,
            timeout: Duration::from_secs(5),
        }
    }

    #[test]
    fn plain_smtp_is_refused_unless_the_server_is_on_this_machine() {
        let e = EmailSender::new(
            config(SmtpSecurity::Plain, "smtp.example.org"),
            Units::Metric,
        )
        .unwrap_err();
        assert_eq!(e.kind(), "not_configured");
        assert!(
            e.to_string().contains("only to a server on this machine"),
            "{e}"
        );
        for host in ["127.0.0.1", "localhost", "::1", "[::1]"] {
            assert!(
                EmailSender::new(config(SmtpSecurity::Plain, host), Units::Metric).is_ok(),
                "{host}"
            );
        }
    }

    #[test]
    fn a_login_without_a_password_says_where_to_put_it() {
        let mut c = config(SmtpSecurity::Starttls, "smtp.example.org");
        c.user = Some("rider".into());
        let e = EmailSender::new(c, Units::Metric).unwrap_err();
        assert!(e.to_string().contains("no SMTP password"), "{e}");
    }

    #[test]
    fn the_message_id_is_derived_from_the_reminder() {
        assert_eq!(message_id("0190-ab"), "<reminder-0190-ab@pedalwrencher>");
    }

    #[tokio::test]
    async fn a_closed_port_is_connection_refused() {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let mut c = config(SmtpSecurity::Plain, "127.0.0.1");
        c.port = port;
        let e = EmailSender::new(c, Units::Metric)
            .unwrap()
            .send_test()
            .await
            .unwrap_err();
        assert_eq!(e.kind(), "connection_refused", "{e}");
        assert!(e.to_string().starts_with("connection refused"), "{e}");
    }
}
