//! The reminder channels this process delivers on (email and SMS; native notifications are the
//! app's), shared by `notify` and `serve`.

use std::path::Path;

use pedalwrencher_core::delivery::config::{self, Channels};
use pedalwrencher_core::delivery::email::EmailSender;
use pedalwrencher_core::delivery::sender::Unusable;
use pedalwrencher_core::delivery::sms::SmsSender;
use pedalwrencher_core::delivery::{Channel, Sender};
use pedalwrencher_core::units::Units;
use pedalwrencher_core::{settings, Result, Store};

use crate::secrets::secret_store;

pub(crate) fn channels(store: &mut Store, dir: &Path) -> Result<Channels> {
    // Not `validated()`: a bad address or number fails its own channel, with the reason, on
    // every delivery; it must not stop the reminders of the other channels.
    let settings = settings::load(dir)?;
    let secrets = secret_store(store, dir);
    Ok(config::resolve(
        &settings,
        secrets.as_deref(),
        &config::process_env,
    ))
}

/// The senders this process has: email and SMS when on (a channel that is on but not usable
/// fails each delivery with the reason).
pub(crate) fn senders(channels: &Channels, units: Units) -> Vec<Box<dyn Sender>> {
    let mut out: Vec<Box<dyn Sender>> = Vec::new();
    if let Some(email) = &channels.email {
        out.push(
            match email.clone().and_then(|c| EmailSender::new(c, units)) {
                Ok(s) => Box::new(s),
                Err(error) => Box::new(Unusable {
                    channel: Channel::Email,
                    error,
                }),
            },
        );
    }
    if let Some(sms) = &channels.sms {
        out.push(match sms.clone().and_then(|c| SmsSender::new(c, units)) {
            Ok(s) => Box::new(s),
            Err(error) => Box::new(Unusable {
                channel: Channel::Sms,
                error,
            }),
        });
    }
    out
}
