//! Hands memory the app no longer uses back to the system. glibc's allocator keeps what a burst of
//! work freed (the delivery cycle over a large garage, a sync, a Strava import, the window's reads
//! of the whole garage) in the free lists of the arena of each thread that did it, where it counts
//! against the app for as long as the app runs (README, Benchmarks: the app's own process after a
//! minute idle on the 50,000-ride garage). Three measures, each measured there:
//!
//! - [`tune`], first thing in `run`: two arenas at most instead of up to eight per core, and large
//!   blocks (the garage's JSON for the window is about 0.5 MB on that garage) always mapped on
//!   their own, so freeing one returns it at once;
//! - [`release`] after each background job, which is where the runner's bursts end;
//! - [`release_soon`] after the window's commands: once, a few seconds after a burst of them.
//!
//! Elsewhere than Linux with glibc they do nothing.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The most malloc arenas: the main one and one for every other thread to share. The app's threads
/// (tokio's, D-Bus's, GTK's) spend their time waiting, not allocating, so sharing costs nothing
/// measurable; the app's process measured about 1.7 MB smaller on the 50,000-ride garage.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const ARENAS: i32 = 2;

/// Blocks this large or larger are mapped on their own. glibc's default starts here too but rises
/// after each such block is freed (up to 32 MB), after which the garage's JSON is carved from the
/// arenas and stays there; fixed, it does not rise. Measured about 2.7 MB off the app's process.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MAPPED_FROM: i32 = 128 * 1024;

/// How long after a command [`release_soon`] waits: the window's reads come in bursts (a
/// change reloads the garage, the due list and the header's states at once).
const SETTLE: Duration = Duration::from_secs(3);

static RELEASE_PENDING: AtomicBool = AtomicBool::new(false);

/// Sets the allocator up for a long-running app: see the module's text. Before any thread is made.
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets the allocator's own parameters; no memory of ours is touched.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, ARENAS);
        libc::mallopt(libc::M_MMAP_THRESHOLD, MAPPED_FROM);
    }
}

/// Returns the allocator's free pages to the system.
pub fn release() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists; it touches no memory of ours.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// [`release`], [`SETTLE`] from now, unless one is already on its way.
pub fn release_soon() {
    if RELEASE_PENDING.swap(true, Ordering::SeqCst) {
        return;
    }
    tauri::async_runtime::spawn(async {
        tokio::time::sleep(SETTLE).await;
        RELEASE_PENDING.store(false, Ordering::SeqCst);
        release();
    });
}
