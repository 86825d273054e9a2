//! The real storage, through Apache OpenDAL: a folder (written through a temporary name, then
//! renamed), a WebDAV server or an S3 bucket, with OpenDAL's errors turned into ones the rider can
//! act on.

use std::time::Duration;

use crate::env;
use crate::secrets::Secret;

use super::target::{SyncTarget, TargetKind};
use super::{dir_path, too_large, Transport, TransportError, TransportErrorKind, MAX_FILE_BYTES};

/// The real storage, through Apache OpenDAL.
pub struct OpendalTransport {
    op: opendal::Operator,
    /// Where it is, for messages (never with a password).
    place: String,
    /// A folder target: write a temporary name, then rename (see [`Transport::put`]).
    folder: bool,
    /// The most one `get` reads (see [`MAX_FILE_BYTES`]).
    max_get: usize,
}

impl std::fmt::Debug for OpendalTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OpendalTransport({})", self.place)
    }
}

/// How long to wait for a server before calling it unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

impl OpendalTransport {
    pub fn new(target: &SyncTarget) -> std::result::Result<Self, TransportError> {
        let place = target.place();
        let config_error = |e: opendal::Error| {
            TransportError::new(
                TransportErrorKind::Other,
                format!(
                    "cannot use {place} as sync storage ({}); check the sync target",
                    e.kind()
                ),
            )
        };
        let op = match target.kind() {
            TargetKind::Folder { path } => {
                let root = path.to_str().ok_or_else(|| {
                    TransportError::new(
                        TransportErrorKind::Other,
                        format!(
                            "{place}: the folder's name is not valid UTF-8; choose another folder"
                        ),
                    )
                })?;
                // OpenDAL would create a missing root; a missing sync folder is more likely an
                // unmounted drive or a cloud folder not yet synced here, and files written into a
                // fresh empty folder there would reach no other device.
                if !path.is_dir() {
                    return Err(TransportError::new(
                        TransportErrorKind::Unreachable,
                        format!(
                            "{place} does not exist (or is not mounted): check that it is there, \
                             or create it; sync will retry"
                        ),
                    ));
                }
                let builder = opendal::services::Fs::default().root(root);
                opendal::Operator::new(builder)
                    .map_err(|e| folder_error(&place, e))?
                    .finish()
            }
            TargetKind::WebDav {
                https,
                host,
                port,
                root,
                user,
                password,
            } => {
                let scheme = if *https { "https" } else { "http" };
                let host = if host.contains(':') && !host.starts_with('[') {
                    format!("[{host}]")
                } else {
                    host.clone()
                };
                let port = port.map(|p| format!(":{p}")).unwrap_or_default();
                let mut builder = opendal::services::Webdav::default()
                    .endpoint(&format!("{scheme}://{host}{port}"))
                    .root(root);
                if let Some(u) = user {
                    builder = builder.username(u);
                }
                if let Some(p) = password {
                    builder = builder.password(p.expose());
                }
                opendal::Operator::new(builder)
                    .map_err(config_error)?
                    .layer(http_client_layer()?)
                    .finish()
            }
            TargetKind::S3 {
                bucket,
                prefix,
                endpoint,
                region,
                access_key_id,
                secret_access_key,
            } => {
                let mut builder = opendal::services::S3::default()
                    .bucket(bucket)
                    .root(prefix)
                    .region(region)
                    // Only the URL or the two environment variables: no ~/.aws files, no instance
                    // metadata (a lookup that hangs off EC2).
                    .disable_config_load()
                    .disable_ec2_metadata();
                if let Some(e) = endpoint {
                    builder = builder.endpoint(e);
                }
                // Read now, not from the snapshot: the AWS tools' variables may be set after
                // start (the transport tests do).
                let env_key = std::env::var(env::AWS_ACCESS_KEY_ID).ok();
                let env_secret = std::env::var(env::AWS_SECRET_ACCESS_KEY)
                    .ok()
                    .map(Secret::new);
                // A key in the URL without its secret (a redacted URL from settings) takes the
                // secret from the environment.
                let (key, secret) = match (access_key_id, secret_access_key) {
                    (Some(k), Some(s)) => (Some(k.clone()), Some(s.clone())),
                    (Some(k), None) => (Some(k.clone()), env_secret),
                    (None, _) => (env_key, env_secret),
                };
                match (key, secret) {
                    (Some(k), Some(s)) => {
                        builder = builder.access_key_id(&k).secret_access_key(s.expose());
                    }
                    _ => {
                        return Err(TransportError::new(
                            TransportErrorKind::Refused,
                            format!(
                                "{place} needs an access key: put it in the target (s3://KEY:SECRET@bucket/…) \
                                 or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
                            ),
                        ))
                    }
                }
                opendal::Operator::new(builder)
                    .map_err(config_error)?
                    .layer(http_client_layer()?)
                    .finish()
            }
        };
        Ok(OpendalTransport {
            op,
            place,
            folder: matches!(target.kind(), TargetKind::Folder { .. }),
            max_get: MAX_FILE_BYTES,
        })
    }

    /// The same, refusing to get files bigger than `max` bytes (tests of the cap).
    pub fn with_max_file_bytes(mut self, max: usize) -> Self {
        self.max_get = max;
        self
    }

    fn error(&self, action: &str, path: &str, e: opendal::Error) -> TransportError {
        map_error(&self.place, action, path, &e)
    }
}

/// Our HTTP client for OpenDAL: the same reqwest 0.12 as the rest of the app, with bounded waits
/// so a dead server is "unreachable", not a hang.
fn http_client_layer() -> std::result::Result<opendal::layers::HttpClientLayer, TransportError> {
    let client = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .build()
        .map_err(|e| {
            TransportError::new(
                TransportErrorKind::Other,
                format!("cannot set up the network client ({e}); restart Pedalwrencher"),
            )
        })?;
    Ok(opendal::layers::HttpClientLayer::new(
        opendal::raw::HttpClient::with(client),
    ))
}

fn folder_error(place: &str, e: opendal::Error) -> TransportError {
    TransportError::new(
        TransportErrorKind::Unreachable,
        format!(
            "cannot open {place} ({}); check that it exists and is writable; sync will retry",
            e.kind()
        ),
    )
}

/// The HTTP status OpenDAL saw, from the response it attaches as context (`status: 401`).
/// OpenDAL 0.55 maps 401 to `Unexpected` and offers no accessor for the status; the version is
/// pinned exactly, so this reading of its message is checked by the tests on every upgrade.
fn http_status(e: &opendal::Error) -> Option<u16> {
    let text = e.to_string();
    let at = text.find("status: ")? + "status: ".len();
    let digits: String = text[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// True when no answer came: connection refused or reset, DNS failure, timeout.
fn is_unreachable(e: &opendal::Error) -> bool {
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(r) = s.downcast_ref::<reqwest::Error>() {
            if r.is_connect() || r.is_timeout() || (r.is_request() && r.status().is_none()) {
                return true;
            }
        }
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind as K;
            if matches!(
                io.kind(),
                K::ConnectionRefused
                    | K::ConnectionReset
                    | K::ConnectionAborted
                    | K::NotConnected
                    | K::TimedOut
                    | K::HostUnreachable
                    | K::NetworkUnreachable
            ) {
                return true;
            }
        }
        source = s.source();
    }
    false
}

fn map_error(place: &str, action: &str, path: &str, e: &opendal::Error) -> TransportError {
    use opendal::ErrorKind as K;
    let status = http_status(e);
    tracing::debug!(place, action, path, kind = %e.kind(), ?status, "sync storage error");
    if e.kind() == K::PermissionDenied || matches!(status, Some(401 | 403)) {
        return TransportError::new(
            TransportErrorKind::Refused,
            format!(
                "{place} refused to {action} {path}: check the user name and password (or the access key) \
                 and that they may write there (bucket or folder permissions)"
            ),
        );
    }
    if e.kind() == K::NotFound {
        return TransportError::new(
            TransportErrorKind::NotFound,
            format!("{path} is not on {place}"),
        );
    }
    if e.kind() == K::ConfigInvalid {
        // OpenDAL's S3 reports NoSuchBucket this way.
        return TransportError::new(
            TransportErrorKind::NotFound,
            format!(
                "{place} does not exist or is misconfigured: check the bucket name and endpoint"
            ),
        );
    }
    if status.is_none() && is_unreachable(e) {
        return TransportError::new(
            TransportErrorKind::Unreachable,
            format!(
                "could not reach {place} to {action} {path}: check the address and your connection; sync will retry"
            ),
        );
    }
    let detail = match status {
        Some(s) => format!("HTTP {s}"),
        None => e.kind().to_string(),
    };
    TransportError::new(
        TransportErrorKind::Other,
        format!("{place} failed to {action} {path} ({detail}); sync will retry, and report it if it repeats"),
    )
}

/// Names directly under `dir` from full relative paths; folders keep their '/'.
fn child_name<'a>(dir: &str, path: &'a str) -> Option<&'a str> {
    let path = path.trim_start_matches('/');
    let rest = path.strip_prefix(dir)?;
    if rest.is_empty() {
        return None; // the folder itself
    }
    match rest.find('/') {
        Some(i) if i + 1 == rest.len() => Some(rest),
        Some(_) => None,
        None => Some(rest),
    }
}

/// A temporary name beside `path` ("devices/a/.seg-3.<uuid>.tmp"), unique per write.
fn temp_name(path: &str) -> String {
    let (dir, name) = match path.rfind('/') {
        Some(i) => path.split_at(i + 1),
        None => ("", path),
    };
    format!("{dir}.{name}.{}.tmp", uuid::Uuid::now_v7().simple())
}

impl Transport for OpendalTransport {
    async fn list(&self, dir: &str) -> std::result::Result<Vec<String>, TransportError> {
        let dir = dir_path(dir);
        let entries = match self.op.list(&dir).await {
            Ok(entries) => entries,
            Err(e) if e.kind() == opendal::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(self.error("list", &dir, e)),
        };
        let mut names: Vec<String> = entries
            .iter()
            .filter_map(|e| child_name(&dir, e.path()))
            .map(str::to_owned)
            .collect();
        names.sort();
        names.dedup();
        Ok(names)
    }

    async fn get(&self, path: &str) -> std::result::Result<Option<Vec<u8>>, TransportError> {
        use futures_util::TryStreamExt;
        let missing_or = |e: opendal::Error| {
            if e.kind() == opendal::ErrorKind::NotFound {
                Ok(None)
            } else {
                Err(self.error("read", path, e))
            }
        };
        // Piece by piece, counting: whatever size the storage claims or sends, no more than the
        // cap is ever held (and the connection is dropped there).
        let mut stream = match self.op.reader(path).await {
            Ok(reader) => match reader.into_stream(..).await {
                Ok(stream) => stream,
                Err(e) => return missing_or(e),
            },
            Err(e) => return missing_or(e),
        };
        let mut bytes = Vec::new();
        loop {
            match stream.try_next().await {
                Ok(Some(piece)) => {
                    if bytes.len() + piece.len() > self.max_get {
                        return Err(too_large(path, self.max_get));
                    }
                    for chunk in piece {
                        bytes.extend_from_slice(&chunk);
                    }
                }
                Ok(None) => return Ok(Some(bytes)),
                Err(e) => return missing_or(e),
            }
        }
    }

    async fn put(&self, path: &str, bytes: Vec<u8>) -> std::result::Result<(), TransportError> {
        if self.folder {
            // A crash or a full disk mid-write leaves only the temporary name, which readers skip;
            // the rename is atomic within one folder.
            let temp = temp_name(path);
            if let Err(e) = self.op.write(&temp, bytes).await {
                let _ = self.op.delete(&temp).await;
                return Err(self.error("write", path, e));
            }
            if let Err(e) = self.op.rename(&temp, path).await {
                let _ = self.op.delete(&temp).await;
                return Err(self.error("write", path, e));
            }
            return Ok(());
        }
        // WebDAV (OpenDAL makes the parent collections first) and S3 store a PUT whole or not
        // at all.
        self.op
            .write(path, bytes)
            .await
            .map(|_| ())
            .map_err(|e| self.error("write", path, e))
    }

    async fn delete(&self, path: &str) -> std::result::Result<(), TransportError> {
        match self.op.delete(path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == opendal::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.error("delete", path, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::block_on;
    use super::*;

    #[test]
    fn folder_round_trip_list_get_put_delete() {
        let dir = tempfile::tempdir().unwrap();
        let url = url::Url::from_file_path(dir.path()).unwrap().to_string();
        let t = OpendalTransport::new(&SyncTarget::parse(&url).unwrap()).unwrap();
        block_on(async {
            assert_eq!(t.list("").await.unwrap(), Vec::<String>::new());
            assert_eq!(t.list("devices/").await.unwrap(), Vec::<String>::new());
            assert_eq!(t.get("vault.json").await.unwrap(), None);
            t.put("vault.json", b"{}".to_vec()).await.unwrap();
            t.put("devices/a/seg-1", b"one".to_vec()).await.unwrap();
            t.put("devices/a/seg-2", b"two".to_vec()).await.unwrap();
            t.put("devices/a/seg-2", b"two again".to_vec())
                .await
                .unwrap();
            assert_eq!(t.list("").await.unwrap(), ["devices/", "vault.json"]);
            assert_eq!(t.list("devices/").await.unwrap(), ["a/"]);
            assert_eq!(t.list("devices/a").await.unwrap(), ["seg-1", "seg-2"]);
            assert_eq!(
                t.get("devices/a/seg-2").await.unwrap().as_deref(),
                Some(&b"two again"[..])
            );
            t.delete("devices/a/seg-1").await.unwrap();
            t.delete("devices/a/seg-1").await.unwrap();
            assert_eq!(t.list("devices/a/").await.unwrap(), ["seg-2"]);
            assert_eq!(t.get("devices/a/seg-1").await.unwrap(), None);
        });
        // Written through a temporary name: nothing else is left in the folder.
        let left: Vec<_> = std::fs::read_dir(dir.path().join("devices/a"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(left, ["seg-2"]);
    }

    #[test]
    fn a_partial_temp_file_is_never_visible_under_the_final_name() {
        let dir = tempfile::tempdir().unwrap();
        let url = url::Url::from_file_path(dir.path()).unwrap().to_string();
        let t = OpendalTransport::new(&SyncTarget::parse(&url).unwrap()).unwrap();
        // What a crash mid-write leaves: a temporary beside the final name.
        std::fs::create_dir_all(dir.path().join("devices/a")).unwrap();
        std::fs::write(dir.path().join("devices/a/.seg-1.0123.tmp"), b"half").unwrap();
        block_on(async {
            assert_eq!(t.get("devices/a/seg-1").await.unwrap(), None);
            let big = vec![7u8; 4 << 20];
            t.put("devices/a/seg-1", big.clone()).await.unwrap();
            assert_eq!(t.get("devices/a/seg-1").await.unwrap(), Some(big));
        });
        assert!(temp_name("devices/a/seg-1").starts_with("devices/a/.seg-1."));
        assert!(temp_name("seg-1").starts_with(".seg-1."));
    }

    #[test]
    fn a_file_bigger_than_the_cap_is_refused_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let url = url::Url::from_file_path(dir.path()).unwrap().to_string();
        let t = OpendalTransport::new(&SyncTarget::parse(&url).unwrap())
            .unwrap()
            .with_max_file_bytes(1 << 20);
        std::fs::create_dir_all(dir.path().join("devices/a")).unwrap();
        std::fs::write(dir.path().join("devices/a/seg-1"), vec![1u8; 1 << 20]).unwrap();
        std::fs::write(dir.path().join("devices/a/seg-2"), vec![2u8; 3 << 20]).unwrap();
        block_on(async {
            assert_eq!(
                t.get("devices/a/seg-1").await.unwrap().unwrap().len(),
                1 << 20
            );
            let e = t.get("devices/a/seg-2").await.unwrap_err();
            assert_eq!(e.kind, TransportErrorKind::TooLarge, "{e}");
            assert!(e.message.contains("devices/a/seg-2"), "{e}");
            assert_eq!(t.get("devices/a/seg-3").await.unwrap(), None);
        });
    }

    #[test]
    fn a_missing_folder_is_unreachable_not_created() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("Dropbox/bikes");
        let url = url::Url::from_file_path(&gone).unwrap().to_string();
        let e = OpendalTransport::new(&SyncTarget::parse(&url).unwrap()).unwrap_err();
        assert_eq!(e.kind, TransportErrorKind::Unreachable, "{e}");
        assert!(e.message.contains("Dropbox/bikes"), "{e}");
        assert!(!gone.exists());
    }

    #[test]
    fn reads_the_http_status_from_an_opendal_error() {
        let e = opendal::Error::new(opendal::ErrorKind::Unexpected, "")
            .with_context("response", "Parts { status: 401, version: HTTP/1.1 }");
        assert_eq!(http_status(&e), Some(401));
        let m = map_error("the WebDAV server h", "read", "x", &e);
        assert_eq!(m.kind, TransportErrorKind::Refused);
    }
}
