//! Hands memory the app no longer uses back to the system. glibc's allocator keeps what a burst of
//! work freed (the delivery cycle over a large garage, a sync, a Strava import) in the free lists of
//! the arena of each thread that did it, where it counts against the app for as long as the app
//! runs; `malloc_trim` returns their free pages. It runs after each background job, which is where
//! those bursts end (README, Benchmarks: the app's own process after a minute idle on the
//! 50,000-ride garage). Elsewhere than Linux with glibc it does nothing.

/// Returns the allocator's free pages to the system.
pub fn release() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists; it touches no memory of ours.
    unsafe {
        libc::malloc_trim(0);
    }
}
