//! Storage targets (folder, WebDAV, S3) behind one small trait: list a folder, get, put and delete
//! one file. The sync engine needs nothing more (no locks, no conditional writes; see SYNC.md), so
//! any storage the rider already has will do. [`OpendalTransport`] reaches the real ones through
//! Apache OpenDAL; [`MemoryTransport`] is the same contract in memory, for tests.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::secrets::Secret;

/// What went wrong talking to the storage, for the engine to decide: retry later (unreachable),
/// stop and ask the rider (refused), or skip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportErrorKind {
    /// No answer: the address is wrong, the network is down, or the server timed out.
    Unreachable,
    /// The storage answered no: wrong login, no permission, a forbidden write.
    Refused,
    /// The file or the bucket does not exist.
    NotFound,
    Other,
}

/// A failed storage operation. The message is for the rider, says what to do, and never contains
/// a password or a secret key.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct TransportError {
    pub kind: TransportErrorKind,
    pub message: String,
}

impl TransportError {
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        TransportError {
            kind,
            message: message.into(),
        }
    }
}

/// Where the sync files live. Paths are relative to the target's root and use `/`.
pub trait Transport: Send + Sync {
    /// Entry names directly under `dir` ("" = the root, "devices/", "devices/<id>/"); folders end
    /// with '/'. A missing dir lists as empty.
    fn list(
        &self,
        dir: &str,
    ) -> impl Future<Output = std::result::Result<Vec<String>, TransportError>> + Send;
    /// The file's bytes, or None when it does not exist.
    fn get(
        &self,
        path: &str,
    ) -> impl Future<Output = std::result::Result<Option<Vec<u8>>, TransportError>> + Send;
    /// Writes the whole file, creating parent folders as needed. Never leaves a partial file under
    /// `path` on a folder target.
    fn put(
        &self,
        path: &str,
        bytes: Vec<u8>,
    ) -> impl Future<Output = std::result::Result<(), TransportError>> + Send;
    /// Deletes one file (the engine only ever deletes its own device's files). Missing is OK.
    fn delete(
        &self,
        path: &str,
    ) -> impl Future<Output = std::result::Result<(), TransportError>> + Send;
}

/// The accepted forms, for every parse error.
const FORMS: &str = "use file:///absolute/folder, dav://[user[:password]@]host[:port]/path \
    (davs:// for https), or s3://bucket[/prefix]?endpoint=https://host&region=us-east-1";

/// A parsed sync target URL. `Debug` and [`SyncTarget::redacted`] never show a password or secret.
#[derive(Clone, PartialEq, Eq)]
pub struct SyncTarget {
    kind: TargetKind,
}

/// What a [`SyncTarget`] points at. `Debug` shows secrets as `Secret(•••)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetKind {
    /// A local folder (also Syncthing, Dropbox, iCloud Drive folders).
    Folder { path: PathBuf },
    WebDav {
        /// `davs://`: https.
        https: bool,
        host: String,
        port: Option<u16>,
        /// The folder on the server, starting and ending with '/'.
        root: String,
        user: Option<String>,
        password: Option<Secret>,
    },
    S3 {
        bucket: String,
        /// Inside the bucket, starting and ending with '/' ("/" for the whole bucket).
        prefix: String,
        /// The server (`http://127.0.0.1:9000`); None for AWS.
        endpoint: Option<String>,
        region: String,
        access_key_id: Option<String>,
        secret_access_key: Option<Secret>,
    },
}

impl std::fmt::Debug for SyncTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SyncTarget({})", self.redacted())
    }
}

impl std::fmt::Display for SyncTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

fn invalid(what: impl std::fmt::Display) -> Error {
    Error::Invalid(format!("sync target: {what}; {FORMS}"))
}

/// The user name (WebDAV) or access key (S3) and the password or secret in a URL, decoded.
fn login(url: &url::Url) -> Result<(Option<String>, Option<Secret>)> {
    let user = match url.username() {
        "" => None,
        u => Some(percent_decode(u)?),
    };
    let password = url
        .password()
        .map(percent_decode)
        .transpose()?
        .map(Secret::new);
    Ok((user, password))
}

/// `%XX` decoded, for user names and passwords in URLs (`p%40ss` is `p@ss`).
fn percent_decode(s: &str) -> Result<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| {
                    invalid("a '%' in the user name or password is not followed by two hex digits")
                })?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| invalid("the user name or password is not valid UTF-8"))
}

/// Userinfo characters kept as they are when writing a URL back.
fn percent_encode_userinfo(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// "/a/b" -> "/a/b/", "" -> "/".
fn as_dir(path: &str) -> String {
    let trimmed = path.trim_matches('/');
    if trimmed.is_empty() {
        "/".to_owned()
    } else {
        format!("/{trimmed}/")
    }
}

impl SyncTarget {
    /// Parses the rider's target URL:
    /// - `file:///abs/path` — a local folder (Syncthing, Dropbox, iCloud Drive folders);
    /// - `dav://[user[:pass]@]host[:port]/path` over http, `davs://…` over https (Nextcloud, …);
    /// - `s3://[KEY:SECRET@]bucket[/prefix]?endpoint=http://127.0.0.1:9000&region=us-east-1` —
    ///   without a key in the URL, `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` from the environment;
    ///   region us-east-1 by default; path-style addressing (MinIO, Garage, moto).
    pub fn parse(input: &str) -> Result<SyncTarget> {
        let input = input.trim();
        let url = url::Url::parse(input)
            .map_err(|e| invalid(format!("'{}' is not a URL ({e})", redact_raw(input))))?;
        let kind = match url.scheme() {
            "file" => {
                // `file://relative` parses with "relative" as the host: only an empty host (or
                // localhost) means an absolute path on this device.
                match url.host_str() {
                    None | Some("") | Some("localhost") => {}
                    Some(host) => {
                        return Err(invalid(format!(
                        "file URLs need an absolute path (three slashes: file:///…), not '{host}'"
                    )))
                    }
                }
                let path = url
                    .to_file_path()
                    .map_err(|_| invalid("the folder in the file URL is not an absolute path"))?;
                if !path.is_absolute() {
                    return Err(invalid(
                        "the folder in the file URL is not an absolute path",
                    ));
                }
                TargetKind::Folder { path }
            }
            scheme @ ("dav" | "davs") => {
                let host = url
                    .host_str()
                    .filter(|h| !h.is_empty())
                    .ok_or_else(|| invalid("the WebDAV URL has no server name"))?
                    .to_owned();
                let (user, password) = login(&url)?;
                if password.is_some() && user.is_none() {
                    return Err(invalid("the WebDAV URL has a password but no user name"));
                }
                if url.query().is_some() {
                    return Err(invalid("WebDAV URLs take no '?' options"));
                }
                TargetKind::WebDav {
                    https: scheme == "davs",
                    host,
                    port: url.port(),
                    root: as_dir(&percent_decode(url.path())?),
                    user,
                    password,
                }
            }
            "s3" => {
                let bucket = url
                    .host_str()
                    .filter(|h| !h.is_empty())
                    .ok_or_else(|| invalid("the S3 URL has no bucket (s3://bucket/…)"))?
                    .to_owned();
                if url.port().is_some() {
                    return Err(invalid(
                        "an S3 URL names a bucket, not a server: put the server in ?endpoint=",
                    ));
                }
                let (access_key_id, secret_access_key) = login(&url)?;
                if secret_access_key.is_some() && access_key_id.is_none() {
                    return Err(invalid(
                        "the S3 URL has a secret but no access key (s3://KEY:SECRET@bucket/…)",
                    ));
                }
                let mut endpoint = None;
                let mut region = None;
                for (k, v) in url.query_pairs() {
                    match &*k {
                        "endpoint" => {
                            let e = url::Url::parse(&v)
                                .map_err(|_| invalid(format!("the endpoint '{v}' is not a URL")))?;
                            if !matches!(e.scheme(), "http" | "https") || e.host_str().is_none() {
                                return Err(invalid(format!(
                                    "the endpoint '{v}' must be an http:// or https:// address"
                                )));
                            }
                            endpoint = Some(v.trim_end_matches('/').to_owned());
                        }
                        "region" if !v.is_empty() => region = Some(v.into_owned()),
                        other => {
                            return Err(invalid(format!(
                                "unknown S3 option '{other}' (known: endpoint, region)"
                            )))
                        }
                    }
                }
                TargetKind::S3 {
                    bucket,
                    prefix: as_dir(&percent_decode(url.path())?),
                    endpoint,
                    region: region.unwrap_or_else(|| "us-east-1".to_owned()),
                    access_key_id,
                    secret_access_key,
                }
            }
            other => {
                return Err(invalid(format!(
                    "'{other}://' is not a supported kind of storage"
                )))
            }
        };
        Ok(SyncTarget { kind })
    }

    pub fn kind(&self) -> &TargetKind {
        &self.kind
    }

    /// The URL without any password or secret key, for display, logs and settings files. It
    /// parses back to the same target minus the secret.
    pub fn redacted(&self) -> String {
        match &self.kind {
            TargetKind::Folder { path } => match url::Url::from_file_path(path) {
                Ok(u) => u.to_string(),
                Err(()) => format!("file://{}", path.display()),
            },
            TargetKind::WebDav {
                https,
                host,
                port,
                root,
                user,
                password: _,
            } => {
                let scheme = if *https { "davs" } else { "dav" };
                let user = user
                    .as_deref()
                    .map(|u| format!("{}@", percent_encode_userinfo(u)))
                    .unwrap_or_default();
                let port = port.map(|p| format!(":{p}")).unwrap_or_default();
                format!("{scheme}://{user}{host}{port}{root}")
            }
            TargetKind::S3 {
                bucket,
                prefix,
                endpoint,
                region,
                access_key_id,
                secret_access_key: _,
            } => {
                let key = access_key_id
                    .as_deref()
                    .map(|k| format!("{}@", percent_encode_userinfo(k)))
                    .unwrap_or_default();
                let prefix = prefix.trim_end_matches('/');
                let mut query = url::form_urlencoded::Serializer::new(String::new());
                if let Some(e) = endpoint {
                    query.append_pair("endpoint", e);
                }
                query.append_pair("region", region);
                format!("s3://{key}{bucket}{prefix}?{}", query.finish())
            }
        }
    }

    /// Where the storage is, for messages: the folder, or the server (never a password).
    fn place(&self) -> String {
        match &self.kind {
            TargetKind::Folder { path } => format!("the folder {}", path.display()),
            TargetKind::WebDav { host, port, .. } => match port {
                Some(p) => format!("the WebDAV server {host}:{p}"),
                None => format!("the WebDAV server {host}"),
            },
            TargetKind::S3 {
                bucket, endpoint, ..
            } => match endpoint {
                Some(e) => format!("the S3 bucket '{bucket}' at {e}"),
                None => format!("the S3 bucket '{bucket}'"),
            },
        }
    }
}

/// A URL the parser refused, shown without anything between "//" and "@" (it may hold a password).
fn redact_raw(input: &str) -> String {
    match (input.find("//"), input.rfind('@')) {
        (Some(start), Some(at)) if at > start => {
            format!("{}//•••@{}", &input[..start], &input[at + 1..])
        }
        _ => input.to_owned(),
    }
}

/// The real storage, through Apache OpenDAL.
pub struct OpendalTransport {
    op: opendal::Operator,
    /// Where it is, for messages (never with a password).
    place: String,
    /// A folder target: write a temporary name, then rename (see [`Transport::put`]).
    folder: bool,
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
        let op = match &target.kind {
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
                let env_key = std::env::var("AWS_ACCESS_KEY_ID").ok();
                let env_secret = std::env::var("AWS_SECRET_ACCESS_KEY").ok().map(Secret::new);
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
            folder: matches!(target.kind, TargetKind::Folder { .. }),
        })
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

/// `dir` as OpenDAL wants a folder: "" for the root, else ending with '/'.
fn dir_path(dir: &str) -> String {
    let d = dir.trim_start_matches('/');
    if d.is_empty() || d.ends_with('/') {
        d.to_owned()
    } else {
        format!("{d}/")
    }
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
        match self.op.read(path).await {
            Ok(buf) => Ok(Some(buf.to_vec())),
            Err(e) if e.kind() == opendal::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.error("read", path, e)),
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

/// The same contract in memory, for tests (property tests run many replicas against one).
/// Tests inject a file (a partial one, a conflict copy) with [`Transport::put`].
#[derive(Debug, Default)]
pub struct MemoryTransport {
    files: Mutex<BTreeMap<String, Vec<u8>>>,
}

impl MemoryTransport {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every file's path, for assertions.
    pub fn paths(&self) -> Vec<String> {
        self.lock().keys().cloned().collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Vec<u8>>> {
        // A test that panicked while holding the lock leaves the map intact.
        self.files.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn clean(path: &str) -> &str {
    path.trim_start_matches('/')
}

impl Transport for MemoryTransport {
    async fn list(&self, dir: &str) -> std::result::Result<Vec<String>, TransportError> {
        let dir = dir_path(dir);
        let files = self.lock();
        let mut names: Vec<String> = files
            .keys()
            .filter_map(|p| {
                let rest = p.strip_prefix(&dir)?;
                Some(match rest.find('/') {
                    Some(i) => rest[..=i].to_owned(),
                    None => rest.to_owned(),
                })
            })
            .collect();
        names.sort();
        names.dedup();
        Ok(names)
    }

    async fn get(&self, path: &str) -> std::result::Result<Option<Vec<u8>>, TransportError> {
        Ok(self.lock().get(clean(path)).cloned())
    }

    async fn put(&self, path: &str, bytes: Vec<u8>) -> std::result::Result<(), TransportError> {
        let path = clean(path);
        if path.is_empty() || path.ends_with('/') {
            return Err(TransportError::new(
                TransportErrorKind::Other,
                format!("'{path}' is a folder, not a file name"),
            ));
        }
        self.lock().insert(path.to_owned(), bytes);
        Ok(())
    }

    async fn delete(&self, path: &str) -> std::result::Result<(), TransportError> {
        self.lock().remove(clean(path));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<F: Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
            .block_on(f)
    }

    #[test]
    fn parses_a_folder() {
        let t = SyncTarget::parse("file:///home/rider/Sync/bikes").unwrap();
        assert_eq!(
            t.kind(),
            &TargetKind::Folder {
                path: PathBuf::from("/home/rider/Sync/bikes")
            }
        );
        assert_eq!(t.redacted(), "file:///home/rider/Sync/bikes");
    }

    #[test]
    fn parses_webdav_with_login_and_https() {
        let t = SyncTarget::parse(
            "davs://rider:p%40ss@cloud.example.org:8443/remote.php/dav/files/rider/bikes",
        )
        .unwrap();
        match t.kind() {
            TargetKind::WebDav {
                https,
                host,
                port,
                root,
                user,
                password,
            } => {
                assert!(*https);
                assert_eq!(host, "cloud.example.org");
                assert_eq!(*port, Some(8443));
                assert_eq!(root, "/remote.php/dav/files/rider/bikes/");
                assert_eq!(user.as_deref(), Some("rider"));
                assert_eq!(password.as_ref().map(Secret::expose), Some("p@ss"));
            }
            other => panic!(
                "not WebDAV: {:?}",
                SyncTarget {
                    kind: other.clone()
                }
            ),
        }
        let plain = SyncTarget::parse("dav://127.0.0.1:8080/").unwrap();
        assert!(matches!(
            plain.kind(),
            TargetKind::WebDav { https: false, user: None, password: None, root, .. } if root == "/"
        ));
    }

    #[test]
    fn parses_s3_with_endpoint_region_and_keys() {
        let t = SyncTarget::parse(
            "s3://KEY:SEC%2FRET@bikes/garage/one?endpoint=http://127.0.0.1:9000&region=eu-west-3",
        )
        .unwrap();
        match t.kind() {
            TargetKind::S3 {
                bucket,
                prefix,
                endpoint,
                region,
                access_key_id,
                secret_access_key,
            } => {
                assert_eq!(bucket, "bikes");
                assert_eq!(prefix, "/garage/one/");
                assert_eq!(endpoint.as_deref(), Some("http://127.0.0.1:9000"));
                assert_eq!(region, "eu-west-3");
                assert_eq!(access_key_id.as_deref(), Some("KEY"));
                assert_eq!(
                    secret_access_key.as_ref().map(Secret::expose),
                    Some("SEC/RET")
                );
            }
            _ => panic!("not S3"),
        }
        let aws = SyncTarget::parse("s3://bikes").unwrap();
        assert!(matches!(
            aws.kind(),
            TargetKind::S3 { prefix, endpoint: None, region, access_key_id: None, .. }
                if prefix == "/" && region == "us-east-1"
        ));
    }

    #[test]
    fn refuses_malformed_targets_naming_the_accepted_forms() {
        for bad in [
            "ftp://x",
            "dav://",
            "davs:///path",
            "s3://",
            "s3:///prefix",
            "file://relative",
            "file://relative/path",
            "garbage",
            "",
            "/home/rider/Sync",
            "s3://:hunter2@bucket",
            "s3://bucket?colour=red",
            "s3://bucket?endpoint=not-a-url",
            "dav://:hunter2@host/",
        ] {
            match SyncTarget::parse(bad) {
                Err(Error::Invalid(msg)) => {
                    assert!(msg.contains("file:///"), "{bad}: {msg}");
                    assert!(msg.contains("dav://"), "{bad}: {msg}");
                    assert!(msg.contains("s3://"), "{bad}: {msg}");
                    assert!(!msg.contains("hunter2"), "{bad}: {msg}");
                }
                other => panic!("{bad:?} parsed: {other:?}"),
            }
        }
    }

    #[test]
    fn redaction_drops_passwords_and_secrets_everywhere() {
        let dav = SyncTarget::parse("dav://rider:hunter2@host:8080/bikes").unwrap();
        assert_eq!(dav.redacted(), "dav://rider@host:8080/bikes/");
        let s3 =
            SyncTarget::parse("s3://AKID:wJalrXUtnFEMI@bikes/g?endpoint=http://127.0.0.1:9000")
                .unwrap();
        assert_eq!(
            s3.redacted(),
            "s3://AKID@bikes/g?endpoint=http%3A%2F%2F127.0.0.1%3A9000&region=us-east-1"
        );
        for (t, secret) in [(&dav, "hunter2"), (&s3, "wJalrXUtnFEMI")] {
            assert!(!format!("{t:?}").contains(secret));
            assert!(!t.to_string().contains(secret));
            // The redacted form is a target again, minus the secret.
            let back = SyncTarget::parse(&t.redacted()).unwrap();
            assert_eq!(back.redacted(), t.redacted());
        }
        let err = SyncTarget::parse("ftp://rider:hunter2@host/").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

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
    fn memory_transport_has_the_same_semantics() {
        let t = MemoryTransport::new();
        block_on(async {
            assert!(t.list("").await.unwrap().is_empty());
            assert!(t.list("devices/").await.unwrap().is_empty());
            t.put("vault.json", b"{}".to_vec()).await.unwrap();
            t.put("devices/a/seg-1", b"1".to_vec()).await.unwrap();
            t.put("devices/b/seg-1", b"1".to_vec()).await.unwrap();
            assert_eq!(t.list("").await.unwrap(), ["devices/", "vault.json"]);
            assert_eq!(t.list("devices").await.unwrap(), ["a/", "b/"]);
            assert_eq!(t.list("devices/a/").await.unwrap(), ["seg-1"]);
            assert_eq!(t.get("devices/a/seg-1").await.unwrap(), Some(b"1".to_vec()));
            t.delete("devices/a/seg-1").await.unwrap();
            t.delete("devices/a/seg-1").await.unwrap();
            assert_eq!(t.get("devices/a/seg-1").await.unwrap(), None);
            assert_eq!(t.list("devices/").await.unwrap(), ["b/"]);
            assert!(t.put("devices/", vec![]).await.is_err());
        });
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
