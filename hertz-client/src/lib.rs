//! The hertz-rs HTTP client (see the client issue).
