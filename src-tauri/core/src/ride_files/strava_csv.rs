//! Strava's bulk export lists every activity in `activities.csv`. Its columns are found by name,
//! at their first occurrence: names repeat (the first "Distance" is in km, a later one in
//! metres), the number of columns changes between exports, and the header is in the account's
//! language (English, German, French, Spanish and Italian names are known). Each column's unit
//! is fixed here. Dates are UTC, written like "Mar 14, 2020, 8:06:40 AM".

use std::collections::HashMap;
use std::io::Read;

use chrono::NaiveDateTime;

use crate::time::Timestamp;

use super::problem::Problem;
use super::sport;
use super::summary::Summary;

/// One activity as the CSV lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub strava_id: i64,
    pub start: Timestamp,
    pub name: String,
    pub kind: String,
    pub elapsed_s: f64,
    pub moving_s: Option<f64>,
    pub distance_m: f64,
    pub elevation_m: f64,
    pub calories: Option<f64>,
    pub gear: Option<String>,
    /// The activity's file in the export (`activities/123.fit.gz`); none for a manual entry.
    pub filename: Option<String>,
    pub commute: bool,
}

/// The activities of the CSV, with the rows that could not be read and why.
#[derive(Debug, Default)]
pub struct Listing {
    pub by_file: HashMap<String, Row>,
    pub without_file: Vec<Row>,
    pub bad_rows: Vec<(usize, Problem)>,
}

const ID: &[&str] = &[
    "activityid",
    "aktivitatsid",
    "iddelactivite",
    "iddeactividad",
    "idattivita",
];
const DATE: &[&str] = &[
    "activitydate",
    "aktivitatsdatum",
    "datedelactivite",
    "fechadelaactividad",
    "dataattivita",
];
const NAME: &[&str] = &[
    "activityname",
    "aktivitatsname",
    "nomdelactivite",
    "nombredelaactividad",
    "nomeattivita",
];
const KIND: &[&str] = &[
    "activitytype",
    "aktivitatsart",
    "typedactivite",
    "tipodeactividad",
    "tipoattivita",
];
const ELAPSED: &[&str] = &[
    "elapsedtime",
    "verstrichenezeit",
    "tempsecoule",
    "tiempotranscurrido",
    "tempotrascorso",
];
const MOVING: &[&str] = &[
    "movingtime",
    "bewegungszeit",
    "tempsdedeplacement",
    "tiempoenmovimiento",
    "tempoinmovimento",
];
const DISTANCE: &[&str] = &["distance", "distanz", "distancia", "distanza"];
const ELEVATION: &[&str] = &[
    "elevationgain",
    "hohenzunahme",
    "denivelepositif",
    "desnivelpositivo",
    "dislivelloinsalita",
];
const CALORIES: &[&str] = &["calories", "kalorien", "calorias", "calorie"];
const GEAR: &[&str] = &[
    "activitygear",
    "aktivitatsausrustung",
    "equipementdelactivite",
    "equipodelaactividad",
    "attrezzaturaattivita",
];
const FILENAME: &[&str] = &[
    "filename",
    "dateiname",
    "nomdufichier",
    "nombredearchivo",
    "nomefile",
];
const COMMUTE: &[&str] = &[
    "commute",
    "pendeln",
    "trajetdomiciletravail",
    "desplazamiento",
    "pendolarismo",
];

/// Header text folded for matching: letters and digits only, lower case, accents dropped.
fn fold(h: &str) -> String {
    h.chars()
        .map(|c| match c {
            'ä' | 'à' | 'á' | 'â' | 'Ä' | 'À' | 'Á' => 'a',
            'é' | 'è' | 'ê' | 'É' | 'È' => 'e',
            'í' | 'ì' | 'Í' => 'i',
            'ö' | 'ó' | 'ò' | 'ô' | 'Ö' | 'Ó' => 'o',
            'ü' | 'ú' | 'ù' | 'Ü' | 'Ú' => 'u',
            other => other,
        })
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

struct Columns {
    id: usize,
    date: usize,
    kind: usize,
    distance: usize,
    elapsed: usize,
    name: Option<usize>,
    moving: Option<usize>,
    elevation: Option<usize>,
    calories: Option<usize>,
    gear: Option<usize>,
    filename: Option<usize>,
    commute: Option<usize>,
}

fn columns(headers: &csv::StringRecord) -> Result<Columns, Problem> {
    let folded: Vec<String> = headers.iter().map(fold).collect();
    let first = |names: &[&str]| folded.iter().position(|h| names.contains(&h.as_str()));
    let need = |names: &[&str], english: &str| {
        first(names).ok_or_else(|| {
            Problem::CsvRow(format!(
                "activities.csv has no \"{english}\" column; the activity files are imported without it"
            ))
        })
    };
    Ok(Columns {
        id: need(ID, "Activity ID")?,
        date: need(DATE, "Activity Date")?,
        kind: need(KIND, "Activity Type")?,
        distance: need(DISTANCE, "Distance")?,
        elapsed: need(ELAPSED, "Elapsed Time")?,
        name: first(NAME),
        moving: first(MOVING),
        elevation: first(ELEVATION),
        calories: first(CALORIES),
        gear: first(GEAR),
        filename: first(FILENAME),
        commute: first(COMMUTE),
    })
}

/// Reads the whole CSV, one row at a time; a missing column fails the listing (the caller then
/// imports the files alone), a bad row fails only that row.
pub fn read(source: impl Read) -> Result<Listing, Problem> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(source);
    let headers = reader
        .headers()
        .map_err(|e| Problem::CsvRow(format!("activities.csv has no header: {e}")))?
        .clone();
    let cols = columns(&headers)?;
    let mut listing = Listing::default();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let row = record
            .map_err(|e| Problem::CsvRow(e.to_string()))
            .and_then(|r| row(&cols, &r));
        match row {
            Ok(row) => match row.filename.clone() {
                Some(f) => {
                    listing.by_file.insert(f, row);
                }
                None => listing.without_file.push(row),
            },
            Err(p) => listing.bad_rows.push((line, p)),
        }
    }
    Ok(listing)
}

fn row(c: &Columns, r: &csv::StringRecord) -> Result<Row, Problem> {
    let get = |i: usize| r.get(i).map(str::trim).unwrap_or("");
    let opt = |i: Option<usize>| i.map(get).filter(|s| !s.is_empty());
    let id_text = get(c.id);
    let strava_id: i64 = id_text
        .parse()
        .map_err(|_| Problem::CsvRow(format!("activity id '{id_text}' is not a number")))?;
    let start = date(get(c.date)).ok_or_else(|| {
        Problem::CsvRow(format!(
            "activity {strava_id}: date '{}' is not readable",
            get(c.date)
        ))
    })?;
    Ok(Row {
        strava_id,
        start,
        name: opt(c.name).unwrap_or("").to_owned(),
        kind: get(c.kind).to_owned(),
        elapsed_s: number(get(c.elapsed)).unwrap_or(0.0),
        moving_s: opt(c.moving).and_then(number),
        // The first "Distance" is in kilometres.
        distance_m: number(get(c.distance)).unwrap_or(0.0) * 1000.0,
        elevation_m: opt(c.elevation).and_then(number).unwrap_or(0.0),
        calories: opt(c.calories).and_then(number).filter(|c| *c > 0.0),
        gear: opt(c.gear).map(str::to_owned),
        filename: opt(c.filename).map(str::to_owned),
        commute: opt(c.commute)
            .is_some_and(|v| matches!(v.to_lowercase().as_str(), "true" | "1" | "yes")),
    })
}

/// "1.234" or "1,234" (a decimal comma in some languages).
fn number(s: &str) -> Option<f64> {
    let s = s.trim();
    let s = if s.contains('.') {
        s.replace(',', "")
    } else {
        s.replace(',', ".")
    };
    s.parse::<f64>().ok().filter(|x| x.is_finite() && *x >= 0.0)
}

fn date(s: &str) -> Option<Timestamp> {
    // Newer exports put a narrow no-break space before AM/PM.
    let s: String = s
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    const FORMATS: &[&str] = &[
        "%b %d, %Y, %I:%M:%S %p",
        "%b %d, %Y %I:%M:%S %p",
        "%d %b %Y, %H:%M:%S",
        "%d.%m.%Y, %H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%SZ",
    ];
    FORMATS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s.trim(), f).ok())
        .map(|d| Timestamp(d.and_utc().timestamp_millis()))
}

/// A manual entry (no file): the ride is the row.
pub fn summary_of(row: &Row) -> Result<Summary, Problem> {
    let cycling = sport::from_words(&row.kind)?;
    let moving = row.moving_s.unwrap_or(row.elapsed_s);
    Ok(Summary {
        start: row.start,
        utc_offset_s: None,
        distance_m: row.distance_m,
        moving_time_s: moving,
        elapsed_time_s: row.elapsed_s.max(moving),
        elevation_m: row.elevation_m,
        energy_kj: row.calories,
        sport_type: cycling.sport_type.to_owned(),
        indoor: cycling.indoor,
        name: row.name.clone(),
        source_id: Some(format!("strava:{}", row.strava_id)),
        records: 0,
        sensors: Vec::new(),
        fingerprint: super::read::fingerprint(format!("strava-csv:{}", row.strava_id).as_bytes()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,Elapsed Time,Distance,Activity Gear,Filename,Elapsed Time,Moving Time,Distance,Elevation Gain,Commute\n\
        123,\"Mar 14, 2020, 8:06:40 AM\",Morning Ride,Ride,\"a, b\",3600,20.5,Red bike,activities/123.fit.gz,3600,3000,20512.3,150,false\n\
        124,\"Mar 15, 2020, 9:00:00 AM\",Trainer,Virtual Ride,,1800,15.0,,,1800,1800,15000,0,false\n\
        125,\"not a date\",Broken,Ride,,1,1,,,1,1,1,1,false\n";

    #[test]
    fn columns_are_taken_at_their_first_occurrence_with_their_units() {
        let l = read(CSV.as_bytes()).unwrap();
        let r = &l.by_file["activities/123.fit.gz"];
        assert_eq!(r.strava_id, 123);
        assert_eq!(r.distance_m, 20_500.0);
        assert_eq!(r.moving_s, Some(3000.0));
        assert_eq!(r.gear.as_deref(), Some("Red bike"));
        assert_eq!(r.start, Timestamp(1_584_173_200_000));
        assert_eq!(l.without_file.len(), 1);
        assert!(summary_of(&l.without_file[0]).unwrap().indoor);
        assert_eq!(l.bad_rows.len(), 1);
        assert_eq!(l.bad_rows[0].0, 4);
    }

    #[test]
    fn a_csv_without_a_needed_column_says_which() {
        let e = read("Activity ID,Activity Date\n1,x\n".as_bytes()).unwrap_err();
        assert!(e.to_string().contains("Activity Type"), "{e}");
    }
}
