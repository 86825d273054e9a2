//! `backup FILE`: the whole garage in one file, and its rides as CSV next to it.

use pedalwrencher_core::backup;
use pedalwrencher_core::{Result, Store};

use crate::args::BackupArgs;
use crate::output::Out;

pub fn run(s: &mut Store, out: &Out, args: BackupArgs) -> Result<()> {
    let report = backup::export(s, &args.file, &mut |_| {})?;
    out.emit(&report, |r| {
        let rows: u32 = r.rows.values().sum();
        format!(
            "Backed up {rows} rows ({} bikes, {} components, {} rides) to {}.\nRides as CSV: {}",
            r.rows.get("bikes").copied().unwrap_or(0),
            r.rows.get("components").copied().unwrap_or(0),
            r.rows.get("rides").copied().unwrap_or(0),
            r.file,
            r.rides_csv
        )
    })
}
