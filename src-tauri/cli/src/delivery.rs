//! The reminder channels this process delivers on (email and SMS; native notifications are the
//! app's), as the core's channel list builds them, for `notify` (`serve` is a host of the core's runner,
//! which builds them the same way).

use std::path::Path;
use std::sync::Arc;

use pedalwrencher_core::delivery::channels::{Channels, Context};
use pedalwrencher_core::env;
use pedalwrencher_core::secrets::SecretStore;
use pedalwrencher_core::units::Units;
use pedalwrencher_core::{settings, Result, Store};

use crate::secrets::secret_store;

/// This device's channels, with this process's senders. Settings are read as written, not
/// `validated()`: a bad address or number fails its own channel, with the reason, on every
/// delivery; it must not stop the reminders of the other channels.
pub(crate) fn channels(store: &mut Store, dir: &Path, units: Units) -> Result<Channels> {
    let settings = settings::load(dir)?;
    let secrets = secrets(store, dir);
    Ok(Channels::resolve(&Context {
        settings: &settings,
        units,
        env: env::env(),
        secrets: &|| secrets.clone(),
        native: None,
    }))
}

fn secrets(store: &mut Store, dir: &Path) -> Option<Arc<dyn SecretStore>> {
    secret_store(store, dir).map(Arc::from)
}
