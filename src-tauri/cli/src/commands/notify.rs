//! `notify`: evaluate the rules, write the reminders that are due, and drain the outbox once on
//! the channels this command can send on (email and SMS; native notifications are the app's).
//! `notify --test email|sms` sends a test message and says clearly what went wrong.

use std::path::Path;
use std::sync::Mutex;

use serde::Serialize;

use pedalwrencher_core::delivery::channels::Channels;
use pedalwrencher_core::delivery::outbox::{self, DrainOptions, DrainReport, Failure};
use pedalwrencher_core::delivery::reminders::{self, Reminder};
use pedalwrencher_core::delivery::{message, Channel, SendError};
use pedalwrencher_core::env;
use pedalwrencher_core::units::Units;
use pedalwrencher_core::{Error, Result, Store};

use crate::delivery::channels;
use crate::output::Out;
use crate::runtime::runtime;

#[derive(Serialize)]
struct Notified {
    new_reminders: Vec<Reminder>,
    #[serde(flatten)]
    report: DrainReport,
    /// The channels on for this device.
    channels: Vec<Channel>,
    /// What this command can send on (never native notifications).
    sent_on: Vec<Channel>,
}

pub fn notify(
    mut store: Store,
    dir: &Path,
    out: &Out,
    test: Option<String>,
    retry_failed: bool,
) -> Result<()> {
    let channels = channels(&mut store, dir, out.units)?;
    if let Some(which) = test {
        return send_test(&channels, out, &which);
    }
    if retry_failed {
        for channel in [Channel::Email, Channel::Sms] {
            let n = outbox::retry_failed(&mut store, channel)?;
            if n > 0 {
                eprintln!("{n} failed {} deliveries are tried again.", channel.label());
            }
        }
    }
    let fan = channels.fan_out();
    let new_reminders = reminders::evaluate(&mut store, &fan)?;
    let refs = channels.senders();
    let access = Mutex::new(store);
    let report = runtime()?.block_on(outbox::drain(&access, &refs, &DrainOptions::from_env()))?;
    let result = Notified {
        new_reminders,
        report,
        channels: fan.channels.clone(),
        sent_on: refs.iter().map(|s| s.channel()).collect(),
    };
    out.emit(&result, |n| describe(n, out.units))?;
    // Cron and uptime monitors see a failed delivery; the report above says which and why.
    match result
        .report
        .failed
        .first()
        .or(result.report.retrying.first())
    {
        Some(f) => Err(Error::Delivery(Box::new(summary(&result.report, f)))),
        None => Ok(()),
    }
}

fn summary(report: &DrainReport, first: &Failure) -> SendError {
    let n = report.failed.len() + report.retrying.len();
    let text = format!(
        "{n} deliver{} failed ({}: {}){}",
        if n == 1 { "y" } else { "ies" },
        first.channel.label(),
        first.error,
        if report.failed.is_empty() {
            "; they are tried again later"
        } else {
            "; some gave up for good"
        }
    );
    match &first.cause {
        SendError::NotConfigured(_) => SendError::NotConfigured(text),
        SendError::BadNumber(_) => SendError::BadNumber(text),
        _ => SendError::Rejected(text),
    }
}

fn describe(n: &Notified, units: Units) -> String {
    let mut lines = Vec::new();
    let r = &n.report;
    if n.channels.is_empty() {
        lines.push(
            format!(
                "No reminder channel is on for this device: turn on notifications, email or SMS in the app, \
                 or set {} / {}.",
                env::SMTP_URL,
                env::TWILIO_ACCOUNT_SID
            ),
        );
    }
    lines.push(match n.new_reminders.len() {
        0 => "No new reminders.".to_owned(),
        1 => "1 new reminder.".to_owned(),
        k => format!("{k} new reminders."),
    });
    for d in &r.sent {
        lines.push(format!(
            "sent   {:<6} {}",
            d.channel.label(),
            message::render(units, &d.reminder).body
        ));
    }
    for f in &r.retrying {
        lines.push(format!(
            "retry  {:<6} {} — {} (attempt {}; next try {})",
            f.channel.label(),
            message::render(units, &f.reminder).title,
            f.error,
            f.attempts,
            f.next_attempt_at
                .map(|t| t.local_date_time())
                .unwrap_or_default()
        ));
    }
    for f in &r.failed {
        lines.push(format!(
            "FAILED {:<6} {} — {} (gave up after {} attempts)",
            f.channel.label(),
            message::render(units, &f.reminder).title,
            f.error,
            f.attempts
        ));
    }
    if r.cancelled > 0 {
        lines.push(format!(
            "{} deliveries dropped: their part was serviced, deleted or retired first.",
            r.cancelled
        ));
    }
    for w in &r.waiting {
        if w.channel == Channel::Notification {
            lines.push(format!(
                "{} notification{} wait for the desktop app: this command cannot show notifications.",
                w.count,
                if w.count == 1 { "" } else { "s" }
            ));
        } else if n.sent_on.contains(&w.channel) {
            lines.push(format!(
                "{} {} deliver{} pending (next try {}).",
                w.count,
                w.channel.label(),
                if w.count == 1 { "y" } else { "ies" },
                w.next_attempt_at
                    .map(|t| t.local_date_time())
                    .unwrap_or_default()
            ));
        }
    }
    if n.sent_on.is_empty() && n.channels.contains(&Channel::Notification) {
        lines.push(
            format!(
                "Only native notifications are on, and this command has no native notifications: the desktop app shows them. \
                 To forward reminders from here, turn on email or SMS (or set {} / {}).",
                env::SMTP_URL,
                env::TWILIO_ACCOUNT_SID
            ),
        );
    }
    lines.join("\n")
}

#[derive(Serialize)]
struct Tested {
    channel: Channel,
    sent: bool,
    to: String,
}

fn send_test(channels: &Channels, out: &Out, which: &str) -> Result<()> {
    let channel: Channel = which.parse()?;
    let off = match channel {
        Channel::Notification => {
            return Err(Error::Invalid(
                "this command cannot show native notifications; use the app's Send test, or test email or sms here"
                    .to_owned(),
            ))
        }
        Channel::Email => format!(
            "email is off: turn it on in Notifications settings or set {} and {}",
            env::SMTP_URL,
            env::EMAIL_TO
        ),
        Channel::Sms => "SMS is off: turn it on in Notifications settings or set the PEDALWRENCHER_TWILIO_* and PEDALWRENCHER_SMS_* variables".to_owned(),
    };
    let sender = channels
        .sender(channel)
        .ok_or(SendError::NotConfigured(off))?;
    runtime()?.block_on(sender.send_test())?;
    let to = sender.recipient();
    out.emit(
        &Tested {
            channel,
            sent: true,
            to,
        },
        |t| format!("Test {} sent to {}.", t.channel.label(), t.to),
    )
}
