//! `make bench`: importing a 10,000-file archive, built here from real ride files the `gpx`
//! crate publishes (a Wahoo export and a GPSies track), each copy moved to its own day so every
//! one is a new ride, every fourth gzipped. Prints the time, the peak memory of this process
//! (VmHWM) and the time to import the same archive again (nothing new).

use std::io::Write;
use std::time::Instant;

use chrono::{Duration as Days, NaiveDate};
use pedalwrencher_core::ride_files::{archive, import};
use pedalwrencher_core::Store;
use pedalwrencher_tests::ride_fixtures;

const FILES: usize = 10_000;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|kb| kb.parse::<f64>().ok())
            })
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn build_archive(path: &std::path::Path) -> Res<()> {
    let sources = [
        (
            std::fs::read_to_string(ride_fixtures::gpx("wahoo_example.gpx"))?,
            vec!["2022-04-24"],
        ),
        (
            std::fs::read_to_string(ride_fixtures::gpx("gpsies_example.gpx"))?,
            vec!["2010-01-01", "2019-09-11"],
        ),
    ];
    let base = NaiveDate::from_ymd_opt(1995, 1, 1).ok_or("date")?;
    let mut z = zip::ZipWriter::new(std::fs::File::create(path)?);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..FILES {
        let (text, dates) = &sources[i % sources.len()];
        let day = (base + Days::days(i as i64)).format("%Y-%m-%d").to_string();
        let mut varied = text.clone();
        for d in dates {
            varied = varied.replace(d, &day);
        }
        if i % 4 == 3 {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(varied.as_bytes())?;
            z.start_file(format!("activities/{i}.gpx.gz"), opts)?;
            z.write_all(&gz.finish()?)?;
        } else {
            z.start_file(format!("activities/{i}.gpx"), opts)?;
            z.write_all(varied.as_bytes())?;
        }
    }
    z.finish()?;
    Ok(())
}

pub fn run() -> Res<()> {
    let dir = tempfile::tempdir()?;
    let zip = dir.path().join("export.zip");
    build_archive(&zip)?;
    let mut store = Store::open(&dir.path().join("garage.db"))?;
    for round in ["first import", "same archive again"] {
        let started = Instant::now();
        let mut counts = [0usize; 4];
        {
            let mut importer = import::Importer::new(&mut store, import::Options::default(), |e| {
                let k = match e.outcome {
                    import::Outcome::Imported { .. } => 0,
                    import::Outcome::Duplicate { .. } => 1,
                    import::Outcome::Skipped { .. } => 2,
                    import::Outcome::Failed { .. } => 3,
                };
                counts[k] += 1;
            });
            archive::import_paths(&mut importer, std::slice::from_ref(&zip))?;
            importer.finish()?;
        }
        println!(
            "ride import, {FILES}-file archive, {round}: {:.1} s; {} imported, {} duplicate, {} skipped, {} failed; peak memory {:.0} MB (targets: 30 s, 200 MB)",
            started.elapsed().as_secs_f64(),
            counts[0],
            counts[1],
            counts[2],
            counts[3],
            peak_rss_mb()
        );
    }
    Ok(())
}
