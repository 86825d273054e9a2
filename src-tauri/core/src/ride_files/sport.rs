//! Is it a ride? Each format names the sport in its own words; all are mapped here to Strava's
//! sport types (the garage's vocabulary) or to a reason to skip. Nothing is guessed: a file that
//! names no sport at all is a ride only where the format has no sport field (GPX, a TCX "Other").

use super::problem::Problem;

/// A cycling sport as Strava names it, and whether it wears outdoor parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycling {
    pub sport_type: &'static str,
    pub indoor: bool,
}

const RIDE: Cycling = Cycling {
    sport_type: "Ride",
    indoor: false,
};

/// FIT `sport` and `sub_sport` (fitparser's snake_case names or numbers).
pub fn from_fit(sport: Option<&str>, sub_sport: Option<&str>) -> Result<Cycling, Problem> {
    let sub = sub_sport.unwrap_or("");
    match sport {
        Some("cycling") | Some("2") | Some("e_biking") | Some("21") => Ok(match sub {
            "indoor_cycling" | "virtual_activity" | "spin" | "6" | "58" | "5" => Cycling {
                sport_type: "VirtualRide",
                indoor: true,
            },
            "mountain" | "downhill" | "cyclocross" | "8" | "9" | "11" => Cycling {
                sport_type: "MountainBikeRide",
                indoor: false,
            },
            "gravel_cycling" | "46" => Cycling {
                sport_type: "GravelRide",
                indoor: false,
            },
            "e_bike_fitness" | "e_bike_mountain" | "28" | "29" => Cycling {
                sport_type: "EBikeRide",
                indoor: false,
            },
            _ if sport == Some("e_biking") || sport == Some("21") => Cycling {
                sport_type: "EBikeRide",
                indoor: false,
            },
            _ => RIDE,
        }),
        // Garmin records a trainer ride started as "Training: indoor cycling" under training.
        Some("training") | Some("10") if matches!(sub, "indoor_cycling" | "spin" | "6" | "5") => {
            Ok(Cycling {
                sport_type: "VirtualRide",
                indoor: true,
            })
        }
        None | Some("generic") | Some("0") | Some("all") | Some("254") => {
            Err(Problem::UnknownSport)
        }
        Some(other) => Err(Problem::NotCycling(other.replace('_', " "))),
    }
}

/// GPX `<trk><type>`: free text; no type is taken as a ride (the format has no sport field).
pub fn from_gpx_type(kind: Option<&str>) -> Result<Cycling, Problem> {
    match kind.map(str::trim) {
        None | Some("") => Ok(RIDE),
        Some(t) => from_words(t),
    }
}

/// TCX `Activity Sport`: "Biking", "Running" or "Other" (which exporters use for everything
/// else: yoga, swims, rowing); only "Biking" is a ride.
pub fn from_tcx(sport: Option<&str>) -> Result<Cycling, Problem> {
    match sport.map(str::trim) {
        Some("Biking") => Ok(RIDE),
        None | Some("") => Err(Problem::UnknownSport),
        Some(t) => Err(Problem::NotCycling(t.to_lowercase())),
    }
}

/// Strava's activity types ("Ride", "Virtual Ride", "Run"…) as the bulk export writes them,
/// or any text naming a sport (GPX types such as "cycling", "1", "running", "hiking").
pub fn from_words(text: &str) -> Result<Cycling, Problem> {
    let t: String = text
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    let c = |sport_type, indoor| Ok(Cycling { sport_type, indoor });
    match t.as_str() {
        // Strava's GPX export writes its activity type as a number: 1 is a ride.
        // Strava's export in German says "Radfahrt", in French "Vélo" (the sources are in
        // `strava_csv`).
        "ride" | "cycling" | "biking" | "bike" | "roadbiking" | "roadcycling" | "1"
        // "velo": the same word written decomposed (NFD), its accent dropped with the other
        // marks above, or written without it.
        | "radfahrt" | "vélo" | "velo" => c("Ride", false),
        "virtualride" | "indoorcycling" | "virtualcycling" | "spin" | "17" => {
            c("VirtualRide", true)
        }
        "mountainbikeride" | "mountainbiking" | "mtb" => c("MountainBikeRide", false),
        "gravelride" | "gravelcycling" => c("GravelRide", false),
        "ebikeride" | "ebiking" => c("EBikeRide", false),
        "emountainbikeride" => c("EMountainBikeRide", false),
        "velomobile" => c("Velomobile", false),
        "handcycle" => c("Handcycle", false),
        _ => Err(Problem::NotCycling(text.trim().to_lowercase())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_trainer_and_virtual_rides_are_indoor() {
        for sub in ["indoor_cycling", "virtual_activity", "spin"] {
            assert!(
                from_fit(Some("cycling"), Some(sub)).unwrap().indoor,
                "{sub}"
            );
        }
        assert!(!from_fit(Some("cycling"), Some("road")).unwrap().indoor);
    }

    #[test]
    fn strava_s_german_and_french_ride_words_are_rides_however_the_accent_is_written() {
        for word in ["Radfahrt", "Vélo", "Ve\u{301}lo", "Velo"] {
            assert_eq!(from_words(word).map(|c| c.sport_type), Ok("Ride"), "{word}");
        }
    }

    #[test]
    fn runs_are_skipped_and_unknown_sports_are_not_guessed() {
        assert_eq!(
            from_fit(Some("running"), None),
            Err(Problem::NotCycling("running".into()))
        );
        assert_eq!(from_fit(None, None), Err(Problem::UnknownSport));
        assert_eq!(from_fit(Some("generic"), None), Err(Problem::UnknownSport));
    }

    #[test]
    fn gpx_without_a_type_is_a_ride_and_with_one_is_read() {
        assert_eq!(from_gpx_type(None).unwrap().sport_type, "Ride");
        assert_eq!(from_gpx_type(Some("cycling")).unwrap().sport_type, "Ride");
        assert!(from_gpx_type(Some("running")).is_err());
        assert!(from_gpx_type(Some("hiking")).is_err());
        assert_eq!(
            from_words("Virtual Ride").unwrap().sport_type,
            "VirtualRide"
        );
        assert_eq!(from_words("E-Bike Ride").unwrap().sport_type, "EBikeRide");
    }
}
