//! The channels as one list: which are on for this device and the sender of each, built the same
//! way for every host (the app, `serve`, `notify`). A channel is switched on in the settings, or
//! by its environment variables alone (a server configured without a settings file).
//!
//! The native notification is the one channel the core cannot send on: the host hands its sender
//! in ([`Context::native`]). Where there is none (the CLI), reminders for it are still written and
//! the app shows them when it runs.
//!
//! Adding a channel: a variant and its words in `channel.rs`, its sender (and how it is
//! configured) in a file of its own, one arm in `sender` and [`is_on`] here, its settings section, and
//! its panel in the window.

use std::sync::Arc;

use crate::delivery::channel::Channel;
use crate::delivery::email::EmailSender;
use crate::delivery::reminders::FanOut;
use crate::delivery::sender::{Sender, Unusable};
use crate::delivery::sms::SmsSender;
use crate::delivery::{config, SendError};
use crate::env::Env;
use crate::secrets::SecretStore;
use crate::settings::Settings;
use crate::units::Units;

/// What the channels are built from.
pub struct Context<'a> {
    pub settings: &'a Settings,
    /// The units reminders are written in.
    pub units: Units,
    /// Environment overrides (the snapshot, [`crate::env::env()`], outside tests).
    pub env: &'a Env,
    /// The secret store, asked only when a channel that is on may need a secret (opening the
    /// keyring is a D-Bus round trip); `None` when none opens.
    pub secrets: &'a dyn Fn() -> Option<Arc<dyn SecretStore>>,
    /// The host's native notifications; `None` where this process cannot show them.
    pub native: Option<Arc<dyn Sender>>,
}

/// One channel that is on for this device.
pub struct Setup {
    pub channel: Channel,
    /// How this process delivers on it; a channel that is on but unusable gets a sender that fails
    /// every delivery with the reason. `None`: this process cannot (native outside the app).
    pub sender: Option<Arc<dyn Sender>>,
}

/// This device's channels, in [`Channel::ALL`]'s order.
pub struct Channels {
    pub on: Vec<Setup>,
    pub nag_days: u32,
}

impl Channels {
    /// The channels the settings and the environment switch on, each with its sender.
    pub fn resolve(ctx: &Context) -> Channels {
        let mut secrets = Secrets::new(ctx.secrets);
        let on = Channel::ALL
            .into_iter()
            .filter(|c| is_on(*c, ctx.settings, ctx.env))
            .map(|channel| Setup {
                channel,
                sender: build(channel, ctx, &mut secrets),
            })
            .collect();
        Channels {
            on,
            nag_days: ctx.settings.nag_days,
        }
    }

    /// The channels that are on.
    pub fn channels(&self) -> Vec<Channel> {
        self.on.iter().map(|s| s.channel).collect()
    }

    /// Where new reminders go.
    pub fn fan_out(&self) -> FanOut {
        FanOut {
            channels: self.channels(),
            nag_days: self.nag_days,
            email_digest_hour: self
                .on
                .iter()
                .filter(|s| s.channel == Channel::Email)
                .find_map(|s| s.sender.as_ref()?.digest_hour()),
        }
    }

    /// The senders this process has.
    pub fn senders(&self) -> Vec<&dyn Sender> {
        self.on.iter().filter_map(|s| s.sender.as_deref()).collect()
    }

    /// The sender of `channel` if it is on and this process has one.
    pub fn sender(&self, channel: Channel) -> Option<&dyn Sender> {
        self.on
            .iter()
            .find(|s| s.channel == channel)
            .and_then(|s| s.sender.as_deref())
    }
}

/// The sender "Send test" uses: `channel` as its settings describe it, switched on or not.
pub fn test_sender(channel: Channel, ctx: &Context) -> Result<Arc<dyn Sender>, SendError> {
    sender(channel, ctx, &mut Secrets::new(ctx.secrets))
}

/// Whether `channel` is on for this device.
pub fn is_on(channel: Channel, settings: &Settings, env: &Env) -> bool {
    match channel {
        Channel::Notification => settings.notify_native,
        Channel::Email => config::email_on(settings, env),
        Channel::Sms => config::sms_on(settings, env),
    }
}

/// `channel`'s sender in this process, or one that fails with the reason it cannot be used.
fn build(channel: Channel, ctx: &Context, secrets: &mut Secrets) -> Option<Arc<dyn Sender>> {
    if channel == Channel::Notification {
        return ctx.native.clone();
    }
    Some(match sender(channel, ctx, secrets) {
        Ok(sender) => sender,
        Err(error) => Arc::new(Unusable { channel, error }),
    })
}

fn sender(
    channel: Channel,
    ctx: &Context,
    secrets: &mut Secrets,
) -> Result<Arc<dyn Sender>, SendError> {
    match channel {
        Channel::Notification => ctx.native.clone().ok_or_else(|| {
            SendError::NotConfigured("this process cannot show native notifications".to_owned())
        }),
        Channel::Email => config::email(ctx.settings, secrets.get(), ctx.env)
            .and_then(|c| EmailSender::new(c, ctx.units))
            .map(|s| Arc::new(s) as Arc<dyn Sender>),
        Channel::Sms => config::sms(ctx.settings, secrets.get(), ctx.env)
            .and_then(|c| SmsSender::new(c, ctx.units))
            .map(|s| Arc::new(s) as Arc<dyn Sender>),
    }
}

/// The secret store, opened at most once per resolve and only when asked for.
struct Secrets<'a> {
    open: &'a dyn Fn() -> Option<Arc<dyn SecretStore>>,
    store: Option<Option<Arc<dyn SecretStore>>>,
}

impl<'a> Secrets<'a> {
    fn new(open: &'a dyn Fn() -> Option<Arc<dyn SecretStore>>) -> Self {
        Secrets { open, store: None }
    }

    fn get(&mut self) -> Option<&dyn SecretStore> {
        self.store.get_or_insert_with(|| (self.open)()).as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env;

    fn resolve(settings: &Settings, env: &Env) -> Channels {
        let no_secrets = || None;
        Channels::resolve(&Context {
            settings,
            units: Units::Metric,
            env,
            secrets: &no_secrets,
            native: None,
        })
    }

    #[test]
    fn native_alone_by_default_and_every_channel_from_the_environment() {
        let settings = Settings::default();
        let none = resolve(&settings, &Env::default());
        assert_eq!(none.channels(), [Channel::Notification]);
        assert!(
            none.senders().is_empty(),
            "no native sender outside the app"
        );

        let all = resolve(
            &settings,
            &Env::from_pairs([
                (env::SMTP_URL, "smtp://u:pw@127.0.0.1:2525"),
                (env::EMAIL_TO, "rider@example.org"),
                (env::TWILIO_ACCOUNT_SID, "AC1"),
                (env::TWILIO_AUTH_TOKEN, "s3cr3t-t0ken"),
                (env::SMS_FROM, "+15005550006"),
                (env::SMS_TO, "+447700900123"),
            ]),
        );
        assert_eq!(
            all.fan_out().channels,
            [Channel::Notification, Channel::Email, Channel::Sms]
        );
        let senders: Vec<Channel> = all.senders().iter().map(|s| s.channel()).collect();
        assert_eq!(senders, [Channel::Email, Channel::Sms]);
        assert_eq!(
            all.sender(Channel::Email).unwrap().recipient(),
            "rider@example.org via 127.0.0.1:2525 (no encryption)"
        );
    }

    #[test]
    fn a_channel_on_but_not_set_up_fails_with_the_reason_and_secrets_are_asked_only_then() {
        let asked = std::sync::atomic::AtomicU32::new(0);
        let open = || {
            asked.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            None
        };
        let off = Settings::default();
        let vars = Env::default();
        let ctx = |settings| Context {
            settings,
            units: Units::Metric,
            env: &vars,
            secrets: &open,
            native: None,
        };
        Channels::resolve(&ctx(&off));
        assert_eq!(
            asked.load(std::sync::atomic::Ordering::SeqCst),
            0,
            "nothing forwarded: the keyring is not opened"
        );
        let sms_on = Settings {
            notify_sms: true,
            ..Settings::default()
        };
        let channels = Channels::resolve(&ctx(&sms_on));
        assert_eq!(asked.load(std::sync::atomic::Ordering::SeqCst), 1);
        let sms = channels.sender(Channel::Sms).expect("an unusable sender");
        let error = tokio_test_block_on(sms.send(&[])).unwrap_err();
        assert!(error.to_string().contains("Account SID"), "{error}");
    }

    fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }
}
