//! Storage targets (folder, WebDAV, S3) behind one small trait. Filled in by the transport work.
