//! `demo`: a demo garage to try the commands on.

use pedalwrencher_core::garage::demo;
use pedalwrencher_core::{Result, Store};

use crate::output::Out;

pub fn run(s: &mut Store, out: &Out) -> Result<()> {
    let outcome = demo::load(s)?;
    out.emit(&outcome, |o| {
        if o.loaded {
            "Loaded the demo garage: 3 bikes, 18 components (a wheelset carries its tyres, cassette and a rotor) and a year of rides. Try `pedalwrencher-cli due`.".to_owned()
        } else {
            "The demo garage is already loaded; nothing was added.".to_owned()
        }
    })
}
