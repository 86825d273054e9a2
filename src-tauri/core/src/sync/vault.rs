//! The vault: passphrase-wrapped key and per-file encryption. Filled in by the vault work.
