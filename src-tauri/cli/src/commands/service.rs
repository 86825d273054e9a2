//! `service delete`: undo a service marked done by mistake.

use pedalwrencher_core::garage::services;
use pedalwrencher_core::{Result, ServiceId, Store};

use crate::args::ServiceCmd;
use crate::output::Out;

pub fn run(s: &mut Store, out: &Out, cmd: ServiceCmd) -> Result<()> {
    match cmd {
        ServiceCmd::Delete { id } => {
            let undone = services::delete(s, &ServiceId::from(id))?;
            out.emit(&undone, |u| {
                format!(
                    "Service of {} deleted; the counter is back where it was before it.",
                    u.service.done_at.local_date()
                )
            })
        }
    }
}
