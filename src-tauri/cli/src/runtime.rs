//! The small async runtime the network commands (`sync`, `strava`, `devices`, `notify`, `serve`)
//! run on: one thread is plenty for a command line.

use pedalwrencher_core::{Error, Result};

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Invalid(format!("could not start the network runtime: {e}")))
}
