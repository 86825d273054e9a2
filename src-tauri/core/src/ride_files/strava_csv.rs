//! Strava's bulk export lists every activity in `activities.csv`. Its columns are found by name,
//! at their first occurrence: names repeat (the first "Distance" is in km, a later one in
//! metres), the number of columns changes between exports, and the header is in the account's
//! language (English, German and French names as real exports show them; Spanish in part; see
//! the sources by the names below). Each column's unit is fixed here. Dates are UTC, written like
//! "Mar 14, 2020, 8:06:40 AM" (English) or "09.12.2022, 15:24:49" (German).

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

// The header names, folded (see `fold`), at their first occurrence. Where each came from, since
// Strava publishes no list and the header follows the account's language:
// - English: hugovk/strava-tools PR #1 (the header since July 2019) and the full header in
//   martin-ueding/geo-activity-playground, `importers/strava_checkout.py` (EXPECTED_COLUMNS).
// - German: riders' exports quoted whole in martin-ueding/geo-activity-playground issues #191,
//   #348 and #393 ("Aktivitäts-ID, Aktivitätsdatum, Name der Aktivität, Aktivitätsart, …,
//   Pendeln, …, Aktivitätsausrüstung, Dateiname, …, Bewegungszeit, …, Höhenzunahme, …,
//   Kalorien"); issue #86 shows a row: "09.12.2022, 15:24:49", "Radfahrt", a distance "9,44".
// - French: a public Python project's test header copied from its own export
//   (`data/raw/strava/export_151936996/activities.csv`: "ID de l'activité, Date de l'activité,
//   Nom de l'activité, Type d'activité, …, Temps écoulé, Distance, …, Déplacement-transport, …,
//   Matériel utilisé pour l'activité, Nom du fichier, …, Durée de déplacement, …, Dénivelé
//   positif"; types "Vélo", "Course à pied"), and an R script reading a French export by
//   "ID de l'activité", "Date de l'activité", "Nom de l'activité", "Nom du fichier".
// - Spanish: a public Python project's test, "real Spanish header, shortened": "ID de actividad,
//   Tipo de actividad, …, Tiempo transcurrido, Distancia, …, Nombre del archivo, …, Tiempo en
//   movimiento, …, Desnivel positivo". It has no date, name, gear or commute column.
// Names marked "unconfirmed" were written before any export in that language was seen (Spanish
// date, name and gear; Italian); they are kept, since they can only match their own column, but
// no export has shown them. No Dutch or Portuguese header was found at all.
const ID: &[&str] = &[
    "activityid",
    "aktivitatsid",
    "iddelactivite",
    "iddeactividad",
    "idattivita", // unconfirmed
];
const DATE: &[&str] = &[
    "activitydate",
    "aktivitatsdatum",
    "datedelactivite",
    "fechadelaactividad", // unconfirmed
    "dataattivita",       // unconfirmed
];
const NAME: &[&str] = &[
    "activityname",
    "namederaktivitat",
    "nomdelactivite",
    "aktivitatsname", // unconfirmed (the German export says "Name der Aktivität")
    "nombredelaactividad", // unconfirmed
    "nomeattivita",   // unconfirmed
];
const KIND: &[&str] = &[
    "activitytype",
    "aktivitatsart",
    "typedactivite",
    "tipodeactividad",
    "tipoattivita", // unconfirmed
];
const ELAPSED: &[&str] = &[
    "elapsedtime",
    "verstrichenezeit",
    "tempsecoule",
    "tiempotranscurrido",
    "tempotrascorso", // unconfirmed
];
const MOVING: &[&str] = &[
    "movingtime",
    "bewegungszeit",
    "dureededeplacement",
    "tiempoenmovimiento",
    "tempsdedeplacement", // unconfirmed (the French export says "Durée de déplacement")
    "tempoinmovimento",   // unconfirmed
];
const DISTANCE: &[&str] = &["distance", "distanz", "distancia", "distanza"];
const ELEVATION: &[&str] = &[
    "elevationgain",
    "hohenzunahme",
    "denivelepositif",
    "desnivelpositivo",
    "dislivelloinsalita", // unconfirmed
];
const CALORIES: &[&str] = &[
    "calories", "kalorien", "calorias", // unconfirmed
    "calorie",  // unconfirmed
];
const GEAR: &[&str] = &[
    "activitygear",
    "aktivitatsausrustung",
    "materielutilisepourlactivite",
    "equipementdelactivite", // unconfirmed
    "equipodelaactividad",   // unconfirmed
    "attrezzaturaattivita",  // unconfirmed
];
const FILENAME: &[&str] = &[
    "filename",
    "dateiname",
    "nomdufichier",
    "nombredelarchivo",
    "nombredearchivo", // unconfirmed
    "nomefile",        // unconfirmed
];
const COMMUTE: &[&str] = &[
    "commute",
    "pendeln",
    "deplacementtransport",
    "trajetdomiciletravail", // unconfirmed
    "desplazamiento",        // unconfirmed
    "pendolarismo",          // unconfirmed
];

/// Header text folded for matching: letters and digits only, lower case, accents dropped.
fn fold(h: &str) -> String {
    h.chars()
        .map(|c| match c {
            'ä' | 'à' | 'á' | 'â' | 'Ä' | 'À' | 'Á' => 'a',
            'é' | 'è' | 'ê' | 'É' | 'È' => 'e',
            'í' | 'ì' | 'î' | 'ï' | 'Í' => 'i',
            'ö' | 'ó' | 'ò' | 'ô' | 'Ö' | 'Ó' => 'o',
            'ü' | 'ú' | 'ù' | 'û' | 'Ü' | 'Ú' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
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

    /// The start of a German export's header (geo-activity-playground issue #191) and the row of
    /// issue #86, shortened: a day-first date, "Radfahrt", a decimal comma.
    const GERMAN: &str = "Aktivitäts-ID,Aktivitätsdatum,Name der Aktivität,Aktivitätsart,Aktivitätsbeschreibung,Verstrichene Zeit,Distanz,Max. Herzfrequenz,Relative Leistung,Pendeln,Hinweis zur Privatsphäre für Aktivitäten,Aktivitätsausrüstung,Dateiname,Sportlergewicht,Fahrradgewicht,Verstrichene Zeit,Bewegungszeit,Distanz,Höchstgeschw.,Durchschnittliche Geschwindigkeit,Höhenzunahme,Höhenunterschied,Min. Höhe,Max. Höhe,Max. Steigung,Durchschnittliche Steigung,Durchschnittliche positive Steigung,Durchschnittliche negative Steigung,Max. Tritt-/Schrittfrequenz,Durchschnittliche Trittfrequenz,Max. Herzfrequenz,Durchschnittliche Herzfrequenz,Max. Watt,Durchschnittliche Watt,Kalorien\n\
        8228026758,\"09.12.2022, 15:24:49\",2022-12-09 16:24,Radfahrt,\"bewölkt, 0°C\",3189,\"9,44\",,,true,\"\",Patria,activities/8228026758.gpx,,20.0,3189.0,2070.0,9440.5,,,45.0,,,,,,,,,,,,,,512\n";

    /// The French header of a real export (see the sources above), with two of its rows'
    /// values ("Vélo", "Course à pied") and a date in the English export's form, since no French
    /// date has been seen.
    const FRENCH: &str = "ID de l'activité,Date de l'activité,Nom de l'activité,Type d'activité,Description de l'activité,Temps écoulé,Distance,Fréquence cardiaque max.,Effort relatif,Déplacement-transport,Note privée sur les activités,Matériel utilisé pour l'activité,Nom du fichier,Poids de l'athlète,Poids du vélo,Temps écoulé,Durée de déplacement,Distance,Vitesse max.,Vitesse moyenne,Dénivelé positif\n\
        2,\"Mar 14, 2020, 8:06:40 AM\",Sortie,Vélo,desc,7200,30,,,true,,Vélo bleu,activities/ride.gpx.gz,,,7200,6900,30000,,,120.0\n\
        1,\"Mar 15, 2020, 8:06:40 AM\",Footing,Course à pied,desc,3600,10,,,false,,,activities/run.fit.gz,,,3600,3500,10000,,,45.5\n";

    /// The shortened real Spanish header (see the sources above), without a date column.
    const SPANISH: &str = "ID de actividad,Tipo de actividad,Descripción de la actividad,Tiempo transcurrido,Distancia,Nota privada de actividad,Nombre del archivo,Tiempo transcurrido,Tiempo en movimiento,Distancia,Desnivel positivo\n\
        101,Carrera,desc,1341,\"4,03\",,activities/101.gpx,1341.0,1322.0,4030.5,5.9\n";

    #[test]
    fn a_german_export_reads_with_its_day_first_dates_decimal_commas_and_radfahrt() {
        let l = read(GERMAN.as_bytes()).unwrap();
        assert!(l.bad_rows.is_empty(), "{:?}", l.bad_rows);
        let r = &l.by_file["activities/8228026758.gpx"];
        assert_eq!(r.strava_id, 8_228_026_758);
        assert_eq!(r.name, "2022-12-09 16:24");
        assert!((r.distance_m - 9_440.0).abs() < 1e-6, "{}", r.distance_m);
        assert_eq!(r.elapsed_s, 3189.0);
        assert_eq!(r.moving_s, Some(2070.0));
        assert_eq!(r.elevation_m, 45.0);
        assert_eq!(r.calories, Some(512.0));
        assert_eq!(r.gear.as_deref(), Some("Patria"));
        assert!(r.commute);
        // 9 December 2022, 15:24:49 UTC.
        assert_eq!(r.start, Timestamp(1_670_599_489_000));
        assert_eq!(summary_of(r).unwrap().sport_type, "Ride");
    }

    #[test]
    fn a_french_export_reads_by_its_own_names_and_velo_is_a_ride() {
        let l = read(FRENCH.as_bytes()).unwrap();
        assert!(l.bad_rows.is_empty(), "{:?}", l.bad_rows);
        let ride = &l.by_file["activities/ride.gpx.gz"];
        assert_eq!(ride.name, "Sortie");
        assert_eq!(ride.distance_m, 30_000.0);
        assert_eq!(ride.moving_s, Some(6900.0));
        assert_eq!(ride.elevation_m, 120.0);
        assert_eq!(ride.gear.as_deref(), Some("Vélo bleu"));
        assert!(ride.commute);
        assert_eq!(summary_of(ride).unwrap().sport_type, "Ride");
        let run = &l.by_file["activities/run.fit.gz"];
        assert!(summary_of(run).unwrap_err().is_skip());
    }

    #[test]
    fn a_spanish_header_is_read_as_far_as_it_is_known_and_a_missing_date_says_so() {
        let cols = columns(
            &csv::Reader::from_reader(SPANISH.as_bytes())
                .headers()
                .unwrap()
                .clone(),
        );
        // The real Spanish header seen had no date column, so the whole listing stops there,
        // naming it; the other columns are found by their Spanish names.
        let e = cols.err().expect("no date column");
        assert!(e.to_string().contains("Activity Date"), "{e}");
        let with_date = SPANISH
            .replacen("ID de actividad,", "ID de actividad,Activity Date,", 1)
            .replacen("101,", "101,\"Mar 14, 2020, 8:06:40 AM\",", 1);
        let l = read(with_date.as_bytes()).unwrap();
        let r = &l.by_file["activities/101.gpx"];
        assert_eq!((r.strava_id, r.kind.as_str()), (101, "Carrera"));
        assert!((r.distance_m - 4_030.0).abs() < 1e-6, "{}", r.distance_m);
        assert_eq!(r.moving_s, Some(1322.0));
        assert_eq!(r.elevation_m, 5.9);
    }

    #[test]
    fn a_csv_without_a_needed_column_says_which() {
        let e = read("Activity ID,Activity Date\n1,x\n".as_bytes()).unwrap_err();
        assert!(e.to_string().contains("Activity Type"), "{e}");
    }
}
