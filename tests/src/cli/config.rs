//! A garage's CLI pointed at the tests' fake services, by environment variables as a headless
//! server is configured.

use super::Garage;
use crate::fake_strava::{self, FakeStrava};
use crate::fake_twilio::{self, FakeTwilio};

impl Garage {
    /// Text reminders through `fake` (its account, login and number) to `to`.
    pub fn texting(&mut self, fake: &FakeTwilio, to: &str) -> &mut Garage {
        self.set("PEDALWRENCHER_TWILIO_URL", &fake.url())
            .set("PEDALWRENCHER_TWILIO_ACCOUNT_SID", fake_twilio::ACCOUNT_SID)
            .set("PEDALWRENCHER_TWILIO_AUTH_TOKEN", fake_twilio::AUTH_TOKEN)
            .set("PEDALWRENCHER_SMS_FROM", fake_twilio::FROM)
            .set("PEDALWRENCHER_SMS_TO", to)
    }

    /// Strava at `fake`, as the app registered there, connected with `refresh_token`.
    pub fn strava(&mut self, fake: &FakeStrava, refresh_token: &str) -> &mut Garage {
        self.set("PEDALWRENCHER_STRAVA_URL", &fake.url())
            .set("PEDALWRENCHER_STRAVA_CLIENT_ID", fake_strava::CLIENT_ID)
            .set(
                "PEDALWRENCHER_STRAVA_CLIENT_SECRET",
                fake_strava::CLIENT_SECRET,
            )
            .set("PEDALWRENCHER_STRAVA_REFRESH_TOKEN", refresh_token)
    }
}
