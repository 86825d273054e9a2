//! Child processes a test starts (a CLI run in the background, a server, tauri-driver), killed
//! however the test ends, so a failing assertion never leaves one running.

use std::process::{Child, ExitStatus, Output};
use std::time::{Duration, Instant};

/// A child process of this test, killed and reaped when dropped (unless it was waited for).
pub struct Running {
    child: Option<Child>,
    what: String,
}

impl Running {
    /// Takes charge of `child`; `what` names it in failure messages.
    pub fn new(child: Child, what: &str) -> Running {
        Running {
            child: Some(child),
            what: what.to_owned(),
        }
    }

    /// The process itself, to read its pipes.
    pub fn child(&mut self) -> &mut Child {
        self.child
            .as_mut()
            .expect("the process was not waited for yet")
    }

    pub fn pid(&self) -> u32 {
        self.child
            .as_ref()
            .expect("the process was not waited for yet")
            .id()
    }

    /// Its exit status if it has exited, without waiting.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child().try_wait().ok().flatten()
    }

    /// Sends it a signal by `kill` (`-TERM`, `-INT`…), as a service manager or a terminal would.
    pub fn signal(&self, signal: &str) {
        let sent = std::process::Command::new("kill")
            .args([signal, &self.pid().to_string()])
            .status()
            .expect("the `kill` command")
            .success();
        assert!(sent, "kill {signal} {}", self.what);
    }

    /// Waits until it exits; kills it and fails after `within`.
    pub fn wait_within(&mut self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.exited() {
                return status;
            }
            if Instant::now() > deadline {
                self.kill();
                panic!("{} did not exit within {within:?}", self.what);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until it exits by itself and collects what it printed to its pipes.
    pub fn output(mut self) -> Output {
        let child = self
            .child
            .take()
            .expect("the process was not waited for yet");
        child
            .wait_with_output()
            .unwrap_or_else(|e| panic!("wait for {}: {e}", self.what))
    }

    /// Kills it now (a no-op once it has exited) and reaps it.
    pub fn kill(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // Our own child, by its handle.
        self.kill();
    }
}

/// Waits (polling) until `cond` holds; fails after `within`, naming `what` was awaited.
pub fn wait_until(within: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}
