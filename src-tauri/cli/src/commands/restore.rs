//! `restore FILE`: a backup back into this garage, all or nothing, with what was added and what
//! was skipped and why.

use pedalwrencher_core::backup;
use pedalwrencher_core::{Result, Store};

use crate::args::RestoreArgs;
use crate::output::Out;

pub fn run(s: &mut Store, out: &Out, args: RestoreArgs) -> Result<()> {
    let report = backup::restore(s, &args.file, &mut |_| {})?;
    out.emit(&report, |r| {
        let added: u32 = r.added.values().sum();
        let skipped: u32 = r.skipped.values().sum();
        let mut text = if r.onto_empty {
            format!(
                "Restored {added} rows onto an empty garage, every id kept (backup of {}).",
                r.created_at.local_date_time()
            )
        } else {
            format!(
                "Restored {added} rows alongside this garage; {skipped} skipped (backup of {}).",
                r.created_at.local_date_time()
            )
        };
        for (table, n) in &r.added {
            text.push_str(&format!("\n  added {n} {table}"));
        }
        for row in &r.skipped_rows {
            text.push_str(&format!(
                "\n  skipped {} {}: {}",
                row.table, row.id, row.reason
            ));
        }
        if r.skipped_rows.len() < skipped as usize {
            text.push_str(&format!(
                "\n  … and {} more skipped",
                skipped as usize - r.skipped_rows.len()
            ));
        }
        text
    })
}
