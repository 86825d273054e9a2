//! The sync transport against real storage on loopback: a WebDAV server (wsgidav), an S3 server
//! (moto) and a temporary folder, through `OpendalTransport::new(&SyncTarget::parse(url)?)`, the
//! way the app reaches them. Each test is named after the behaviour it pins down.

use std::future::Future;

use pedalwrencher_core::sync::transport::{
    OpendalTransport, SyncTarget, Transport, TransportError, TransportErrorKind,
};
use pedalwrencher_tests::sync_servers::{free_port, WebDav, S3};

fn block_on<F: Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(f)
}

fn transport(url: &str) -> OpendalTransport {
    let target = SyncTarget::parse(url).expect("a valid target URL");
    OpendalTransport::new(&target).expect("a transport for the target")
}

fn folder_url(dir: &std::path::Path) -> String {
    format!("file://{}", dir.display())
}

/// The contract every target keeps: put, get, list one level, overwrite, delete (twice), and
/// a missing file or folder is absent rather than an error.
fn round_trip(t: &impl Transport) {
    block_on(async {
        assert_eq!(t.list("").await.unwrap(), Vec::<String>::new());
        assert_eq!(t.list("devices/").await.unwrap(), Vec::<String>::new());
        assert_eq!(
            t.list("devices/nobody/").await.unwrap(),
            Vec::<String>::new()
        );
        assert_eq!(t.get("vault.json").await.unwrap(), None);
        assert_eq!(t.get("devices/a/seg-1").await.unwrap(), None);

        t.put("vault.json", br#"{"format":1}"#.to_vec())
            .await
            .unwrap();
        t.put("key", vec![0, 159, 146, 150, 255]).await.unwrap();
        t.put("devices/a/seg-1", b"first".to_vec()).await.unwrap();
        t.put("devices/a/seg-2", b"second".to_vec()).await.unwrap();
        t.put("devices/b/snap-1", vec![42; 300_000]).await.unwrap();

        assert_eq!(t.list("").await.unwrap(), ["devices/", "key", "vault.json"]);
        assert_eq!(t.list("devices/").await.unwrap(), ["a/", "b/"]);
        assert_eq!(t.list("devices").await.unwrap(), ["a/", "b/"]);
        assert_eq!(t.list("devices/a/").await.unwrap(), ["seg-1", "seg-2"]);
        assert_eq!(
            t.get("key").await.unwrap(),
            Some(vec![0, 159, 146, 150, 255])
        );
        assert_eq!(
            t.get("devices/b/snap-1").await.unwrap(),
            Some(vec![42; 300_000])
        );

        t.put("devices/a/seg-2", b"second, again".to_vec())
            .await
            .unwrap();
        assert_eq!(
            t.get("devices/a/seg-2").await.unwrap().as_deref(),
            Some(&b"second, again"[..])
        );

        t.delete("devices/a/seg-1").await.unwrap();
        t.delete("devices/a/seg-1").await.unwrap();
        t.delete("devices/a/never-written").await.unwrap();
        assert_eq!(t.get("devices/a/seg-1").await.unwrap(), None);
        assert_eq!(t.list("devices/a/").await.unwrap(), ["seg-2"]);
    });
}

fn err<T: std::fmt::Debug>(r: Result<T, TransportError>) -> TransportError {
    r.expect_err("the storage operation should fail")
}

#[test]
fn folder_target_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    round_trip(&transport(&folder_url(dir.path())));
    // Only the final names are left: the temporary names were renamed away.
    let mut left: Vec<String> = std::fs::read_dir(dir.path().join("devices/a"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(left, ["seg-2"]);
    assert_eq!(
        std::fs::read(dir.path().join("devices/a/seg-2")).unwrap(),
        b"second, again"
    );
}

#[test]
fn webdav_target_round_trip() {
    let server = WebDav::start();
    round_trip(&transport(&server.url()));
    assert_eq!(
        std::fs::read(server.root().join("devices/a/seg-2")).unwrap(),
        b"second, again"
    );
    assert!(!server.root().join("devices/a/seg-1").exists());
}

#[test]
fn webdav_target_in_a_subfolder_creates_the_folders_it_needs() {
    let server = WebDav::start();
    let url = format!("{}rider/garage", server.url());
    round_trip(&transport(&url));
    assert_eq!(
        std::fs::read(server.root().join("rider/garage/devices/a/seg-2")).unwrap(),
        b"second, again"
    );
}

#[test]
fn s3_target_round_trip_with_keys_in_the_url() {
    let server = S3::start();
    round_trip(&transport(&server.url_with_keys()));
    let objects = server.objects();
    let keys: Vec<&str> = objects.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "garage/devices/a/seg-2",
            "garage/devices/b/snap-1",
            "garage/key",
            "garage/vault.json"
        ]
    );
    assert_eq!(objects[0].1, b"second, again");
}

#[test]
fn s3_target_takes_the_keys_from_the_environment() {
    let server = S3::start();
    // Only this test in this binary reads the AWS variables; all set the same values.
    for (k, v) in server.env() {
        std::env::set_var(k, v);
    }
    let t = transport(&server.url());
    block_on(async {
        t.put("devices/a/seg-1", b"from env".to_vec())
            .await
            .unwrap();
        assert_eq!(
            t.get("devices/a/seg-1").await.unwrap(),
            Some(b"from env".to_vec())
        );
    });
    assert_eq!(
        server.objects(),
        [("garage/devices/a/seg-1".to_owned(), b"from env".to_vec())]
    );
}

#[test]
fn a_wrong_webdav_password_is_refused_and_never_echoed() {
    let server = WebDav::start();
    let t = transport(&server.url_with_login(WebDav::USER, "wrong-pa55word-e1"));
    let errors = block_on(async {
        vec![
            err(t.list("devices/").await),
            err(t.get("vault.json").await),
            err(t.put("devices/a/seg-1", b"x".to_vec()).await),
            err(t.delete("devices/a/seg-1").await),
        ]
    });
    for e in errors {
        assert_eq!(e.kind, TransportErrorKind::Refused, "{e}");
        assert!(e.message.contains("user name and password"), "{e}");
        assert!(!e.message.contains("wrong-pa55word-e1"), "{e}");
        assert!(!format!("{e:?}").contains("wrong-pa55word-e1"), "{e:?}");
    }
    assert!(std::fs::read_dir(server.root()).unwrap().next().is_none());
}

#[test]
fn a_refused_s3_login_is_refused_and_never_echoed() {
    let server = S3::start_refusing_logins();
    let url = format!(
        "s3://{}:wrong-s3cret-e1@{}/garage?endpoint=http://127.0.0.1:{}&region=us-east-1",
        S3::ACCESS_KEY_ID,
        S3::BUCKET,
        server.port
    );
    let t = transport(&url);
    let errors = block_on(async {
        vec![
            err(t.list("devices/").await),
            err(t.get("vault.json").await),
            err(t.put("devices/a/seg-1", b"x".to_vec()).await),
        ]
    });
    for e in errors {
        assert_eq!(e.kind, TransportErrorKind::Refused, "{e}");
        assert!(e.message.contains("access key"), "{e}");
        assert!(!e.message.contains("wrong-s3cret-e1"), "{e}");
        assert!(!format!("{e:?}").contains("wrong-s3cret-e1"), "{e:?}");
    }
}

#[test]
fn a_closed_port_is_unreachable_for_webdav_and_s3() {
    let port = free_port();
    let dav = transport(&format!("dav://rider:closed-pa55word@127.0.0.1:{port}/"));
    let s3 = transport(&format!(
        "s3://KEY:closed-s3cret@bucket/g?endpoint=http://127.0.0.1:{port}"
    ));
    let errors = block_on(async {
        vec![
            err(dav.list("").await),
            err(dav.get("vault.json").await),
            err(dav.put("devices/a/seg-1", b"x".to_vec()).await),
            err(s3.list("").await),
            err(s3.get("vault.json").await),
            err(s3.put("devices/a/seg-1", b"x".to_vec()).await),
        ]
    });
    for e in errors {
        assert_eq!(e.kind, TransportErrorKind::Unreachable, "{e}");
        assert!(e.message.contains("sync will retry"), "{e}");
        assert!(!e.message.contains("closed-"), "{e}");
    }
}
