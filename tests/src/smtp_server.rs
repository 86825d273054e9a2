//! A real SMTP server process for the delivery tests: `tests/scripts/smtp_server.py` (aiosmtpd)
//! on 127.0.0.1, plain, STARTTLS or implicit TLS with a test CA made here with the `openssl`
//! command, optionally with a login. Each accepted message lands in a file; [`SmtpServer::mails`]
//! reads them. The process is stopped when the value is dropped.
//!
//! aiosmtpd comes from PyPI into the git-ignored virtualenv `tests/.venv`, made by
//! `make py-venv` (a prerequisite of `make test-unit`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::loopback::Server;
use crate::venv;

/// How the server protects connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    Plain,
    Starttls,
    /// TLS from the first byte (SMTPS).
    Tls,
}

impl Security {
    fn arg(self) -> &'static str {
        match self {
            Security::Plain => "plain",
            Security::Starttls => "starttls",
            Security::Tls => "tls",
        }
    }
}

pub use crate::loopback::free_port;

/// A certificate authority made for one test, and a server certificate it signed for 127.0.0.1
/// and localhost.
pub struct TestCa {
    _dir: TempDir,
    pub ca_cert: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
}

impl TestCa {
    /// Makes the CA and the server certificate with the `openssl` command (EC P-256, two days).
    pub fn generate() -> TestCa {
        let dir = tempfile::tempdir().expect("a folder for the test CA");
        let p = |name: &str| dir.path().join(name);
        let openssl = |args: &[&str]| {
            let out = Command::new("openssl")
                .args(args)
                .current_dir(dir.path())
                .output()
                .expect("the `openssl` command (Debian package openssl) makes the test CA");
            assert!(
                out.status.success(),
                "openssl {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            );
        };
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        let mut ca = vec!["req", "-x509"];
        ca.extend(ec);
        ca.extend([
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=Pedalwrencher Test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
        openssl(&ca);
        let mut csr = vec!["req"];
        csr.extend(ec);
        csr.extend([
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ]);
        openssl(&csr);
        std::fs::write(
            p("server.ext"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n\
             keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
        )
        .expect("write the extensions file");
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "server.ext",
        ]);
        TestCa {
            ca_cert: p("ca.pem"),
            server_cert: p("server.pem"),
            server_key: p("server.key"),
            _dir: dir,
        }
    }
}

/// How to start the server.
pub struct Options<'a> {
    pub security: Security,
    /// Require this login.
    pub login: Option<(&'a str, &'a str)>,
    /// Listen here (a port chosen earlier, for "the server comes up later"); default: any free one.
    pub port: Option<u16>,
    /// The certificate for STARTTLS and TLS.
    pub ca: Option<&'a TestCa>,
}

impl Default for Options<'_> {
    fn default() -> Self {
        Options {
            security: Security::Plain,
            login: None,
            port: None,
            ca: None,
        }
    }
}

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct Mail {
    pub raw: String,
    pub message_id: String,
    pub subject: String,
    /// The `X-Pedalwrencher-Reminder` header: the reminder it carries (none for a digest or test).
    pub reminder: Option<String>,
    pub to: String,
}

impl Mail {
    fn parse(raw: String) -> Mail {
        // Header lines end at the first empty line; folded lines start with white space.
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in raw.lines() {
            if line.is_empty() {
                break;
            }
            if line.starts_with([' ', '\t']) {
                if let Some(last) = headers.last_mut() {
                    last.1.push_str(line.trim_start());
                }
            } else if let Some((k, v)) = line.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
            }
        }
        let get = |k: &str| {
            headers
                .iter()
                .find(|(name, _)| name == k)
                .map(|(_, v)| v.clone())
        };
        Mail {
            message_id: get("message-id").unwrap_or_default(),
            subject: get("subject").unwrap_or_default(),
            reminder: get("x-pedalwrencher-reminder"),
            to: get("to").unwrap_or_default(),
            raw,
        }
    }

    /// The text of the body, quoted-printable soft breaks and `=XX` escapes undone (enough to
    /// search it for words).
    pub fn text(&self) -> String {
        let body = self
            .raw
            .split_once("\r\n\r\n")
            .or_else(|| self.raw.split_once("\n\n"));
        let body = body
            .map_or("", |(_, b)| b)
            .replace("=\r\n", "")
            .replace("=\n", "");
        let bytes = body.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'=' && i + 2 < bytes.len() {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                if let Ok(b) = u8::from_str_radix(hex, 16) {
                    out.push(b);
                    i += 3;
                    continue;
                }
            }
            out.push(bytes[i]);
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
}

pub struct SmtpServer {
    _server: Server,
    pub port: u16,
    mail_dir: TempDir,
}

impl SmtpServer {
    /// Starts the server and waits (at most 20 s) until it listens.
    pub fn start(options: Options<'_>) -> SmtpServer {
        let mail_dir = tempfile::tempdir().expect("a folder for received mail");
        let work = mail_dir.path().join("server");
        std::fs::create_dir(&work).expect("a folder for the server's log");
        let port = options.port.unwrap_or_else(free_port);
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/smtp_server.py");
        let mut cmd = Command::new(venv::python());
        cmd.arg(&script)
            .arg("--dir")
            .arg(mail_dir.path())
            .arg("--port")
            .arg(port.to_string())
            .arg("--security")
            .arg(options.security.arg());
        if options.security != Security::Plain {
            let ca = options.ca.expect("STARTTLS and TLS need the test CA");
            cmd.arg("--cert")
                .arg(&ca.server_cert)
                .arg("--key")
                .arg(&ca.server_key);
        }
        if let Some((user, password)) = options.login {
            cmd.args(["--user", user, "--password", password]);
        }
        let server = Server::process(cmd, port, &work.join("server.log"), "the SMTP server");
        SmtpServer {
            _server: server,
            port,
            mail_dir,
        }
    }

    /// Every message received so far, oldest first.
    pub fn mails(&self) -> Vec<Mail> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.mail_dir.path())
            .expect("read the mail folder")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|f| Mail::parse(std::fs::read_to_string(f).expect("read a received mail")))
            .collect()
    }

    /// Waits until at least `n` messages arrived (bounded), and returns them.
    pub fn wait_for(&self, n: usize, within: Duration) -> Vec<Mail> {
        let deadline = Instant::now() + within;
        loop {
            let mails = self.mails();
            if mails.len() >= n || Instant::now() > deadline {
                return mails;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
