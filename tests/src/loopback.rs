//! Starting the tests' servers on 127.0.0.1, one way for all of them: a process (the SMTP,
//! WebDAV and S3 servers from the virtualenv) or an in-process thread (the fakes of Strava and
//! Twilio, the healthcheck server). Either way the start waits, bounded, until the port accepts
//! connections, and the server is stopped when its [`Server`] is dropped.

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::process::Running;

/// How long a server may take to listen.
pub const READY_WITHIN: Duration = Duration::from_secs(20);

/// A free TCP port on 127.0.0.1 right now (nothing listens on it after this returns).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// Waits until 127.0.0.1:`port` accepts a connection. `gone` says why the server will never
/// listen (it exited), if so; then, or after `within`, the wait fails saying why.
pub fn wait_until_accepting(
    port: u16,
    within: Duration,
    mut gone: impl FnMut() -> Option<String>,
) -> Result<(), String> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + within;
    loop {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        if let Some(why) = gone() {
            return Err(format!("exited ({why}) before listening on port {port}"));
        }
        if Instant::now() > deadline {
            return Err(format!("did not listen on port {port} within {within:?}"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A server on 127.0.0.1 that this test started; stopped when dropped.
pub struct Server {
    pub port: u16,
    how: How,
}

enum How {
    Process {
        running: Running,
        log: PathBuf,
    },
    Thread {
        stop: Option<tokio::sync::oneshot::Sender<()>>,
        thread: Option<JoinHandle<()>>,
    },
}

impl Server {
    /// Starts `cmd` with its output in the file `log`, and waits until `port` accepts. Fails with
    /// the server's output when it exits first or does not listen in time.
    pub fn process(mut cmd: Command, port: u16, log: &Path, what: &str) -> Server {
        let out = std::fs::File::create(log).expect("a log file for the server");
        let err = out.try_clone().expect("a second handle on the log file");
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .spawn()
            .unwrap_or_else(|e| panic!("start {what}: {e}"));
        let mut server = Server {
            port,
            how: How::Process {
                running: Running::new(child, what),
                log: log.to_owned(),
            },
        };
        let waited = wait_until_accepting(port, READY_WITHIN, || {
            server.exited().map(|status| status.to_string())
        });
        if let Err(why) = waited {
            server.stop();
            panic!("{what} {why}:\n{}", server.log());
        }
        server
    }

    /// Serves `router` from a thread of its own (a Tokio runtime with `workers` threads, or one
    /// on the current thread for 0), on a free port.
    pub fn axum(router: axum::Router, workers: usize, what: &str) -> Server {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (port_tx, port_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let rt = if workers == 0 {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
            } else {
                tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(workers)
                    .enable_all()
                    .build()
            }
            .expect("a runtime for the server");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind loopback");
                let port = listener.local_addr().expect("local addr").port();
                port_tx.send(port).expect("report the port");
                axum::serve(listener, router)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await
                    .expect("serve");
            });
        });
        let port = port_rx
            .recv_timeout(READY_WITHIN)
            .unwrap_or_else(|_| panic!("{what} did not bind within {READY_WITHIN:?}"));
        let server = Server {
            port,
            how: How::Thread {
                stop: Some(stop),
                thread: Some(thread),
            },
        };
        if let Err(why) = wait_until_accepting(port, READY_WITHIN, || None) {
            panic!("{what} {why}");
        }
        server
    }

    /// `127.0.0.1:PORT`
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr())
    }

    /// What a server process printed so far (nothing for a thread).
    pub fn log(&self) -> String {
        match &self.how {
            How::Process { log, .. } => std::fs::read_to_string(log).unwrap_or_default(),
            How::Thread { .. } => String::new(),
        }
    }

    fn exited(&mut self) -> Option<std::process::ExitStatus> {
        match &mut self.how {
            How::Process { running, .. } => running.exited(),
            How::Thread { .. } => None,
        }
    }

    fn stop(&mut self) {
        match &mut self.how {
            How::Process { running, .. } => running.kill(),
            How::Thread { stop, thread } => {
                if let Some(tx) = stop.take() {
                    let _ = tx.send(());
                }
                if let Some(t) = thread.take() {
                    let _ = t.join();
                }
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}
