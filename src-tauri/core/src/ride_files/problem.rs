//! Why one file did not become a ride: each reason says what was wrong and what the rider can do.
//! Some are refusals on purpose (a run, a route without times), the others are failures; the
//! report and the CLI's exit code tell them apart with [`Problem::is_skip`].

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum Problem {
    // Skipped on purpose: nothing is wrong with the file, it is just not a ride to count.
    #[error("not a ride: the file records {0}; only cycling is counted")]
    NotCycling(String),
    #[error("the sport is not recorded in the readable part of the file, so it is skipped rather than guessed")]
    UnknownSport,
    #[error("not an activity (a {0} file); only recorded rides are imported")]
    NotAnActivity(String),
    #[error("imported in an earlier run of this archive")]
    DoneBefore,
    #[error("not a ride file (.{0}); files read are .fit, .gpx and .tcx, gzipped or not, and zip archives")]
    OtherFile(String),

    // Failed: the rider may want to look at the file.
    #[error("the file is empty (0 bytes); copy it again from the device")]
    Empty,
    #[error(
        "the file is larger than {limit_mb} MB, more than any ride file; is it the right file?"
    )]
    TooLarge { limit_mb: u64 },
    #[error("a web page (HTML) saved under a ride file's name; download the file itself again")]
    Html,
    #[error("not a {format} file ({why}); check the extension or export it again")]
    Unreadable { format: &'static str, why: String },
    #[error("the track has no times, so the ride cannot be dated; give a date with --date")]
    Undated,
    #[error("the file has no points with times and positions, and no summary")]
    NoData,
    #[error("a compressed file that expands past {limit_mb} MB (a zip bomb?); not read")]
    Bomb { limit_mb: u64 },
    #[error("an archive entry with an unsafe path ({0}); not read")]
    UnsafePath(String),
    #[error("the archive is damaged: {0}")]
    Archive(String),
    #[error("Garmin's gear list cannot be read ({0}); the export's rides are imported without their gear: name the bike with --bike")]
    GarminGear(String),
    #[error("the row of activities.csv cannot be read: {0}")]
    CsvRow(String),
    #[error("cannot read the file: {0}")]
    Io(String),
}

impl Problem {
    /// A refusal on purpose (not a ride), as opposed to a failure.
    pub fn is_skip(&self) -> bool {
        matches!(
            self,
            Problem::NotCycling(_)
                | Problem::DoneBefore
                | Problem::UnknownSport
                | Problem::NotAnActivity(_)
                | Problem::OtherFile(_)
        )
    }

    pub(crate) fn unreadable(format: &'static str, why: impl ToString) -> Self {
        Problem::Unreadable {
            format,
            why: why.to_string(),
        }
    }
}

impl From<std::io::Error> for Problem {
    fn from(e: std::io::Error) -> Self {
        Problem::Io(e.to_string())
    }
}
