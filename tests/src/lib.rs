//! Shared helpers for the tests: temporary garages and the paths of built binaries.
