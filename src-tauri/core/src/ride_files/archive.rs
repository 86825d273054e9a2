//! Where ride files come from: files, folders (walked in name order) and zip archives, Strava's
//! and Garmin Connect's bulk exports among them. A zip is read one entry at a time, each through
//! the same size limit as a file, so an archive of years never sits in memory whole; a zip inside
//! the zip (Garmin's uploaded files) is copied to a temporary file first, since zip needs to seek.
//!
//! Strava's export: `activities.csv` names each activity's file, gear, name and commute flag, and
//! lists manual entries that have no file. Garmin's: `DI_CONNECT/…/UploadedFiles_*.zip` holds the
//! FIT files as uploaded, and `DI_CONNECT/DI-Connect-Fitness/*_gear.json` links gear to
//! activities (`garmin_gear`): each file's ride gets its activity's bike, whether the export is
//! still zipped or unpacked into a folder. In an archive, entries that are not ride files (photos,
//! profiles) are passed over without a word; in a folder too.

use std::fs::File;
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};

use zip::ZipArchive;

use crate::error::Result;

use super::garmin_gear::{self, GarminGear};
use super::import::{Candidate, Importer, Mark};
use super::problem::Problem;
use super::read::{self, format_of_name, MAX_FILE_BYTES};
use super::strava_csv::{self, Listing};

/// A zip inside a zip larger than this is refused (Garmin splits its uploads into parts of about
/// 1 GB).
const MAX_NESTED_ZIP_BYTES: u64 = 4 * 1024 * 1024 * 1024;
/// An entry that claims to expand more than this many times its compressed size is a zip bomb.
const MAX_RATIO: u64 = 100;

/// Imports every path given: files, folders and archives.
pub fn import_paths(importer: &mut Importer<'_>, paths: &[PathBuf]) -> Result<()> {
    for path in paths {
        if path.is_dir() {
            let gear = folder_gear(importer, path)?;
            import_folder(importer, path, &gear)?;
        } else {
            import_file(importer, path, true, &GarminGear::default())?;
        }
    }
    Ok(())
}

fn import_folder(importer: &mut Importer<'_>, dir: &Path, gear: &GarminGear) -> Result<()> {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let mut children: Vec<PathBuf> = match std::fs::read_dir(&d) {
            Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(e) => {
                importer.add(shown(&d), Err(Problem::Io(e.to_string())), None)?;
                continue;
            }
        };
        children.sort();
        // Depth first, in name order: sub-folders are pushed in reverse so they pop in order.
        for child in children.iter().rev().filter(|c| c.is_dir()) {
            stack.push(child.clone());
        }
        for child in children.iter().filter(|c| !c.is_dir()) {
            import_file(importer, child, false, gear)?;
        }
    }
    Ok(())
}

fn is_zip_name(name: &str) -> bool {
    name.to_lowercase().ends_with(".zip")
}

/// Garmin's gear in an unpacked export: the `DI-Connect-Fitness/*_gear.json` files anywhere under
/// `dir`, with the activities' starts beside them (as `garmin_listing` reads them from a zip). A
/// folder that cannot be read is left to `import_folder`, which reports it.
fn folder_gear(importer: &mut Importer<'_>, dir: &Path) -> Result<GarminGear> {
    let (mut gear_files, mut activity_files) = (Vec::new(), Vec::new());
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let name = as_in_zip(&path);
            if garmin_gear::is_gear_file(&name) {
                gear_files.push(path);
            } else if garmin_gear::is_activities_file(&name) {
                activity_files.push(path);
            }
        }
    }
    gear_files.sort();
    activity_files.sort();
    let mut gear = GarminGear::default();
    for path in &gear_files {
        let read = File::open(path)
            .map_err(Problem::from)
            .and_then(|f| gear.read_gear(f.take(MAX_FILE_BYTES)));
        if let Err(p) = read {
            importer.add(shown(path), Err(p), None)?;
        }
    }
    // Only activities with gear are kept, so without gear the summaries are not even read.
    if gear.is_empty() {
        return Ok(gear);
    }
    for path in &activity_files {
        let read = File::open(path)
            .map_err(Problem::from)
            .and_then(|f| gear.read_activities(f.take(MAX_FILE_BYTES)));
        if let Err(p) = read {
            importer.add(shown(path), Err(p), None)?;
        }
    }
    Ok(gear)
}

/// A file's folder and name as a zip names them ("DI-Connect-Fitness/rider_gear.json").
fn as_in_zip(path: &Path) -> String {
    let file = path.file_name().map(|n| n.to_string_lossy());
    let folder = path
        .parent()
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy());
    match (folder, file) {
        (Some(d), Some(f)) => format!("{d}/{f}"),
        (None, Some(f)) => f.into_owned(),
        _ => String::new(),
    }
}

fn import_file(
    importer: &mut Importer<'_>,
    path: &Path,
    named_by_rider: bool,
    gear: &GarminGear,
) -> Result<()> {
    let name = shown(path);
    if is_zip_name(&name) {
        return import_zip_file(importer, path, gear);
    }
    if format_of_name(&name).is_none() && !named_by_rider {
        return Ok(());
    }
    let read = File::open(path)
        .map_err(Problem::from)
        .and_then(|f| {
            let size = f.metadata().ok().map(|m| m.len());
            read::read(&name, size, f, &importer.options().read)
        })
        .map(|s| {
            let mut c = Candidate::from(s);
            c.gear = gear.gear_for(c.summary.start);
            c
        });
    importer.add(name, read, None)
}

fn import_zip_file(importer: &mut Importer<'_>, path: &Path, gear: &GarminGear) -> Result<()> {
    let name = shown(path);
    let opened = File::open(path).map_err(Problem::from).and_then(|f| {
        let size = f.metadata().map(|m| m.len()).unwrap_or(0);
        ZipArchive::new(f)
            .map(|z| (z, size))
            .map_err(|e| Problem::Archive(e.to_string()))
    });
    match opened {
        Ok((zip, size)) => {
            let file_name = path
                .file_name()
                .map_or(name.clone(), |n| n.to_string_lossy().into_owned());
            let key = format!("{file_name}:{size}");
            import_zip(importer, zip, &name, &key, 0, gear)
        }
        Err(p) => importer.add(name, Err(p), None),
    }
}

/// Walks one archive; `shown` prefixes its entries' names in the report, `key` marks what is done.
fn import_zip<R: Read + Seek>(
    importer: &mut Importer<'_>,
    mut zip: ZipArchive<R>,
    shown: &str,
    key: &str,
    depth: usize,
    outer_gear: &GarminGear,
) -> Result<()> {
    let (mut listing, csv_folder) = strava_listing(importer, &mut zip, shown)?;
    // Garmin's gear is in the export; its FIT files are in the zip inside it.
    let own_gear = garmin_listing(importer, &mut zip, shown)?;
    let gear = if own_gear.is_empty() {
        outer_gear
    } else {
        &own_gear
    };
    for i in 0..zip.len() {
        let mut entry = match zip.by_index(i) {
            Ok(e) => e,
            Err(e) => {
                importer.add(
                    format!("{shown}#{i}"),
                    Err(Problem::Archive(e.to_string())),
                    None,
                )?;
                continue;
            }
        };
        if entry.is_dir() {
            continue;
        }
        let raw_name = match entry.name() {
            Ok(n) => n.into_owned(),
            Err(e) => {
                drop(entry);
                importer.add(
                    format!("{shown}#{i}"),
                    Err(Problem::Archive(e.to_string())),
                    None,
                )?;
                continue;
            }
        };
        let file = format!("{shown}/{raw_name}");
        let is_zip = is_zip_name(&raw_name);
        if format_of_name(&raw_name).is_none() && !is_zip {
            continue;
        }
        if entry.enclosed_name().is_none() {
            importer.add(file, Err(Problem::UnsafePath(raw_name)), None)?;
            continue;
        }
        let limit_mb = MAX_FILE_BYTES / (1024 * 1024);
        if entry.size() > MAX_RATIO * entry.compressed_size().max(1) && entry.size() > 1024 * 1024 {
            importer.add(file, Err(Problem::Bomb { limit_mb }), None)?;
            continue;
        }
        if is_zip {
            if depth > 0 {
                importer.add(
                    file,
                    Err(Problem::Archive(
                        "a zip inside a zip inside a zip is not read".into(),
                    )),
                    None,
                )?;
                continue;
            }
            let inner = copy_to_temp(&mut entry);
            drop(entry);
            match inner {
                Ok(temp) => {
                    let opened = File::open(&temp.0).map_err(Problem::from).and_then(|f| {
                        ZipArchive::new(f).map_err(|e| Problem::Archive(e.to_string()))
                    });
                    match opened {
                        Ok(z) => {
                            let inner_key = format!("{key}/{raw_name}");
                            import_zip(importer, z, &file, &inner_key, depth + 1, gear)?
                        }
                        Err(p) => importer.add(file, Err(p), None)?,
                    }
                }
                Err(p) => importer.add(file, Err(p), None)?,
            }
            continue;
        }
        let mark = Mark {
            archive: key.to_owned(),
            entry: raw_name.clone(),
        };
        // The CSV names files from its own folder (an export unpacked and zipped again has one).
        let row = listing
            .by_file
            .remove(raw_name.strip_prefix(&csv_folder).unwrap_or(&raw_name));
        if importer.done_before(&file, &mark)? {
            continue;
        }
        // The CSV's type decides first: a run is skipped without reading its file.
        if let Some(r) = &row {
            if let Err(p) = super::sport::from_words(&r.kind) {
                importer.add(file, Err(p), Some(mark))?;
                continue;
            }
        }
        let size = entry.size();
        let read =
            read::read(&raw_name, Some(size), &mut entry, &importer.options().read).map(|s| {
                let mut c = Candidate::from(s);
                if let Some(r) = row {
                    c.strava_id = Some(r.strava_id);
                    c.gear = r.gear;
                    c.commute = r.commute;
                    if !r.name.is_empty() {
                        c.summary.name = r.name;
                    }
                }
                if c.gear.is_none() {
                    c.gear = gear.gear_for(c.summary.start);
                }
                c
            });
        importer.add(file, read, Some(mark))?;
    }
    // Manual entries, and activities whose file is not in the archive: the row is the ride.
    let rows = listing
        .without_file
        .into_iter()
        .chain(listing.by_file.into_values());
    for row in rows {
        let file = format!("{shown}/activities.csv (activity {})", row.strava_id);
        let mark = Mark {
            archive: key.to_owned(),
            entry: format!("activities.csv:{}", row.strava_id),
        };
        if importer.done_before(&file, &mark)? {
            continue;
        }
        let read = strava_csv::summary_of(&row).map(|s| Candidate {
            summary: s,
            strava_id: Some(row.strava_id),
            gear: row.gear.clone(),
            commute: row.commute,
        });
        importer.add(file, read, Some(mark))?;
    }
    for (line, problem) in listing.bad_rows {
        importer.add(
            format!("{shown}/activities.csv line {line}"),
            Err(problem),
            None,
        )?;
    }
    Ok(())
}

/// Strava's `activities.csv`, when the archive has one (at its root or one folder down), and the
/// folder it is in ("" or "export_123/").
fn strava_listing<R: Read + Seek>(
    importer: &mut Importer<'_>,
    zip: &mut ZipArchive<R>,
    shown: &str,
) -> Result<(Listing, String)> {
    let found = (0..zip.len()).find_map(|i| {
        let name = zip.name_for_index(i)?.ok()?.into_owned();
        let folder = name.strip_suffix("activities.csv")?.to_owned();
        (folder.is_empty() || (folder.ends_with('/') && folder.matches('/').count() == 1))
            .then_some((i, folder))
    });
    let Some((index, folder)) = found else {
        return Ok((Listing::default(), String::new()));
    };
    let csv = zip
        .by_index(index)
        .map_err(|e| Problem::Archive(e.to_string()))
        .and_then(|e| strava_csv::read(e.take(MAX_FILE_BYTES)));
    match csv {
        Ok(listing) => Ok((listing, folder)),
        Err(p) => {
            importer.add(format!("{shown}/{folder}activities.csv"), Err(p), None)?;
            Ok((Listing::default(), folder))
        }
    }
}

/// Garmin's gear and activity starts, when the archive is Garmin's export: gear files first, since
/// only activities with gear are kept. A file that cannot be read is reported, and the export's
/// rides are imported without gear.
fn garmin_listing<R: Read + Seek>(
    importer: &mut Importer<'_>,
    zip: &mut ZipArchive<R>,
    shown: &str,
) -> Result<GarminGear> {
    let names: Vec<(usize, String)> = (0..zip.len())
        .filter_map(|i| Some((i, zip.name_for_index(i)?.ok()?.into_owned())))
        .collect();
    let mut gear = GarminGear::default();
    for gear_files in [true, false] {
        if !gear_files && gear.is_empty() {
            break;
        }
        let wanted = names.iter().filter(|(_, n)| {
            if gear_files {
                garmin_gear::is_gear_file(n)
            } else {
                garmin_gear::is_activities_file(n)
            }
        });
        for (i, name) in wanted {
            let read = zip
                .by_index(*i)
                .map_err(|e| Problem::Archive(e.to_string()))
                .and_then(|e| {
                    if gear_files {
                        gear.read_gear(e)
                    } else {
                        gear.read_activities(e)
                    }
                });
            if let Err(p) = read {
                importer.add(format!("{shown}/{name}"), Err(p), None)?;
            }
        }
    }
    Ok(gear)
}

/// A temporary file removed when dropped.
struct Temp(PathBuf);

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn copy_to_temp(entry: &mut impl Read) -> std::result::Result<Temp, Problem> {
    let path =
        std::env::temp_dir().join(format!("pedalwrencher-import-{}.zip", uuid::Uuid::now_v7()));
    let temp = Temp(path);
    let mut out = File::create(&temp.0)?;
    let copied = std::io::copy(&mut entry.take(MAX_NESTED_ZIP_BYTES + 1), &mut out)?;
    if copied > MAX_NESTED_ZIP_BYTES {
        return Err(Problem::Bomb {
            limit_mb: MAX_NESTED_ZIP_BYTES / (1024 * 1024),
        });
    }
    Ok(temp)
}

fn shown(path: &Path) -> String {
    path.display().to_string()
}
