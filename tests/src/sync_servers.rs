//! Real storage servers for the sync tests, on 127.0.0.1: a WebDAV server (`wsgidav`, cheroot)
//! with a basic-auth login over a temporary folder, and an S3 server (`moto_server`) with one
//! bucket. Each process is stopped when its value is dropped.
//!
//! Both come from PyPI into the git-ignored virtualenv `tests/.venv`, made by `make py-venv`
//! (a prerequisite of `make test-unit`), like the SMTP server of the delivery tests.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use tempfile::TempDir;

pub use crate::loopback::free_port;
use crate::loopback::Server;
use crate::venv;

/// A WebDAV server over a temporary folder, with the login [`WebDav::USER`] / [`WebDav::PASSWORD`].
pub struct WebDav {
    _server: Server,
    pub port: u16,
    root: TempDir,
    _work: TempDir,
}

impl WebDav {
    pub const USER: &'static str = "rider";
    pub const PASSWORD: &'static str = "s3cret-pass";

    /// Starts the server and waits (at most 20 s) until it listens.
    pub fn start() -> WebDav {
        let root = tempfile::tempdir().expect("a folder to serve");
        let work = tempfile::tempdir().expect("a folder for the server's config");
        let port = free_port();
        let config = serde_json::json!({
            "host": "127.0.0.1",
            "port": port,
            "provider_mapping": { "/": root.path().to_str().expect("a UTF-8 temp path") },
            "http_authenticator": {
                "domain_controller": null,
                "accept_basic": true,
                "accept_digest": false,
                "default_to_digest": false,
            },
            "simple_dc": {
                "user_mapping": { "*": { (Self::USER): { "password": Self::PASSWORD } } }
            },
            "verbose": 1,
            "dir_browser": { "enable": false },
        });
        let config_path = work.path().join("wsgidav.json");
        std::fs::write(&config_path, config.to_string()).expect("write the wsgidav config");
        let mut cmd = Command::new(venv::bin("wsgidav"));
        cmd.arg("--config")
            .arg(&config_path)
            .current_dir(work.path());
        let server = Server::process(cmd, port, &work.path().join("server.log"), "wsgidav");
        WebDav {
            _server: server,
            port,
            root,
            _work: work,
        }
    }

    /// `dav://rider:s3cret-pass@127.0.0.1:PORT/`
    pub fn url(&self) -> String {
        self.url_with_login(Self::USER, Self::PASSWORD)
    }

    /// The same server with another login (a wrong password, say).
    pub fn url_with_login(&self, user: &str, password: &str) -> String {
        format!("dav://{user}:{password}@127.0.0.1:{}/", self.port)
    }

    /// The served folder, to look at what landed there.
    pub fn root(&self) -> &Path {
        self.root.path()
    }
}

/// An S3 server (moto) with one bucket, [`S3::BUCKET`].
pub struct S3 {
    server: Server,
    pub port: u16,
    _work: TempDir,
}

impl S3 {
    pub const BUCKET: &'static str = "pedalwrencher-sync";
    pub const ACCESS_KEY_ID: &'static str = "testing";
    pub const SECRET_ACCESS_KEY: &'static str = "testing";

    /// Starts the server, waits (at most 20 s) until it listens, and creates the bucket.
    pub fn start() -> S3 {
        Self::start_checking(false)
    }

    /// A server that checks every login after the bucket is made, as AWS does: moto then knows
    /// no access key at all, so every request of ours is refused (`InvalidAccessKeyId`, 403).
    pub fn start_refusing_logins() -> S3 {
        Self::start_checking(true)
    }

    fn start_checking(logins: bool) -> S3 {
        let work = tempfile::tempdir().expect("a folder for the server's log");
        let port = free_port();
        let mut cmd = Command::new(venv::bin("moto_server"));
        if logins {
            // moto's switch for authentication: the first N requests go unchecked (the bucket's).
            cmd.env("INITIAL_NO_AUTH_ACTION_COUNT", "1");
        }
        cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .current_dir(work.path())
            .env("AWS_ACCESS_KEY_ID", Self::ACCESS_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", Self::SECRET_ACCESS_KEY);
        let server = Server::process(cmd, port, &work.path().join("server.log"), "moto_server");
        let s3 = S3 {
            server,
            port,
            _work: work,
        };
        let (status, body) = s3.http("PUT", &format!("/{}", Self::BUCKET));
        assert_eq!(
            status,
            200,
            "create the bucket: {}\n{}",
            String::from_utf8_lossy(&body),
            s3.server.log()
        );
        s3
    }

    /// `s3://pedalwrencher-sync/garage?endpoint=http://127.0.0.1:PORT&region=us-east-1`; the
    /// credentials come from [`S3::env`].
    pub fn url(&self) -> String {
        format!(
            "s3://{}/garage?endpoint=http://127.0.0.1:{}&region=us-east-1",
            Self::BUCKET,
            self.port
        )
    }

    /// The same target with the credentials in the URL.
    pub fn url_with_keys(&self) -> String {
        format!(
            "s3://{}:{}@{}/garage?endpoint=http://127.0.0.1:{}&region=us-east-1",
            Self::ACCESS_KEY_ID,
            Self::SECRET_ACCESS_KEY,
            Self::BUCKET,
            self.port
        )
    }

    /// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` for [`S3::url`].
    pub fn env(&self) -> [(&'static str, &'static str); 2] {
        [
            ("AWS_ACCESS_KEY_ID", Self::ACCESS_KEY_ID),
            ("AWS_SECRET_ACCESS_KEY", Self::SECRET_ACCESS_KEY),
        ]
    }

    /// Every object in the bucket (the whole bucket, not only the prefix), key and bytes, sorted
    /// by key: for tests that grep what the storage holds. Read straight from moto, not through
    /// the code under test.
    pub fn objects(&self) -> Vec<(String, Vec<u8>)> {
        let (status, body) = self.http("GET", &format!("/{}?list-type=2", Self::BUCKET));
        assert_eq!(
            status,
            200,
            "list the bucket: {}",
            String::from_utf8_lossy(&body)
        );
        let listing = String::from_utf8_lossy(&body).into_owned();
        assert!(
            !listing.contains("<IsTruncated>true</IsTruncated>"),
            "more than one page of objects; list with a continuation token"
        );
        let mut keys: Vec<String> = listing
            .split("<Key>")
            .skip(1)
            .filter_map(|s| s.split_once("</Key>").map(|(k, _)| xml_unescape(k)))
            .collect();
        keys.sort();
        keys.into_iter()
            .map(|key| {
                let (status, bytes) = self.http("GET", &format!("/{}/{}", Self::BUCKET, key));
                assert_eq!(status, 200, "get {key}");
                (key, bytes)
            })
            .collect()
    }

    /// One plain HTTP/1.0 request: the status and the body. moto does not check signatures, but
    /// answers 403 to anonymous reads of private objects, so the request names the test key in an
    /// Authorization header with a dummy signature.
    fn http(&self, method: &str, path: &str) -> (u16, Vec<u8>) {
        let mut stream =
            TcpStream::connect(("127.0.0.1", self.port)).expect("connect to moto_server");
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .expect("a read timeout");
        write!(
            stream,
            "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{}\r\n\
             Authorization: AWS4-HMAC-SHA256 Credential={}/20250101/us-east-1/s3/aws4_request, \
             SignedHeaders=host, Signature=0\r\n\
             Content-Length: 0\r\nConnection: close\r\n\r\n",
            self.port,
            Self::ACCESS_KEY_ID,
        )
        .expect("send the request to moto_server");
        let mut response = Vec::new();
        stream
            .read_to_end(&mut response)
            .expect("read moto_server's answer");
        let split = response
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("an HTTP answer from moto_server");
        let head = String::from_utf8_lossy(&response[..split]);
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("a status line from moto_server");
        (status, response[split + 4..].to_vec())
    }
}

fn xml_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}
