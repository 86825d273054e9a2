//! The rider's sync target URL: a folder, a WebDAV server or an S3 bucket, parsed once, and shown
//! everywhere (messages, logs, the settings file) without its password or secret key.

use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::secrets::Secret;

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

    /// What the rider should hear before using this target, if anything: a WebDAV login sent
    /// over plain http (`dav://`) to a server not on their own network can be read by anyone on
    /// the way. The files themselves are end-to-end encrypted either way.
    pub fn plain_http_warning(&self) -> Option<String> {
        let TargetKind::WebDav {
            https: false,
            host,
            user: Some(_),
            ..
        } = &self.kind
        else {
            return None;
        };
        if on_own_network(host) {
            return None;
        }
        Some(format!(
            "{} sends your WebDAV login over plain http, readable on every network between this \
             device and {host}; use davs:// (https) unless that server is on your own network",
            self.redacted()
        ))
    }

    /// Where the storage is, for messages: the folder, or the server (never a password).
    pub(super) fn place(&self) -> String {
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

/// True when `host` is on the rider's own network as far as its name or address shows: loopback,
/// the private and link-local ranges (IPv4 and IPv6), and the names reserved for them
/// (`localhost`, `.local` for mDNS, `.home.arpa`, `.internal`). Other names may be too, but
/// nothing in the name says so.
fn on_own_network(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => ip.is_loopback() || ip.is_private() || ip.is_link_local(),
        Ok(std::net::IpAddr::V6(ip)) => match ip.to_ipv4_mapped() {
            Some(v4) => on_own_network(&v4.to_string()),
            None => {
                let first = ip.segments()[0];
                ip.is_loopback()
                    || (first & 0xfe00) == 0xfc00 // unique local, fc00::/7
                    || (first & 0xffc0) == 0xfe80 // link-local, fe80::/10
            }
        },
        Err(_) => {
            let name = bare.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost"
                || [".localhost", ".local", ".home.arpa", ".internal"]
                    .iter()
                    .any(|suffix| name.ends_with(suffix))
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn a_dav_login_to_a_server_off_the_own_network_gets_a_warning() {
        for public in [
            "dav://rider:hunter2@cloud.example.org/bikes",
            "dav://rider@203.0.113.7:8080/",
            "dav://rider:hunter2@[2001:db8::1]/",
            "dav://rider:hunter2@172.32.0.1/",
            "dav://rider:hunter2@nas/",
        ] {
            let warning = SyncTarget::parse(public)
                .unwrap()
                .plain_http_warning()
                .unwrap_or_else(|| panic!("no warning for {public}"));
            assert!(warning.contains("plain http"), "{warning}");
            assert!(warning.contains("davs://"), "{warning}");
            assert!(!warning.contains("hunter2"), "{warning}");
        }
        for own in [
            "dav://rider:hunter2@127.0.0.1:8080/bikes",
            "dav://rider:hunter2@192.168.1.20/",
            "dav://rider:hunter2@10.0.0.5:5005/",
            "dav://rider:hunter2@172.16.4.2/",
            "dav://rider:hunter2@169.254.10.1/",
            "dav://rider:hunter2@localhost:8080/",
            "dav://rider:hunter2@nas.local/",
            "dav://rider:hunter2@nas.home.arpa/",
            "dav://rider:hunter2@[::1]:8080/",
            "dav://rider:hunter2@[fd12:3456::1]/",
            "dav://rider:hunter2@[fe80::1]/",
            "dav://rider:hunter2@[::ffff:192.168.0.2]/",
            // https, or no login to send, or not WebDAV: nothing to warn about.
            "davs://rider:hunter2@cloud.example.org/bikes",
            "dav://cloud.example.org/bikes",
            "s3://AKID:secret@bikes?endpoint=http://203.0.113.7:9000",
            "file:///home/rider/Sync",
        ] {
            assert_eq!(
                SyncTarget::parse(own).unwrap().plain_http_warning(),
                None,
                "{own}"
            );
        }
    }
}
