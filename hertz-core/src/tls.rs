//! TLS for the server: loading a certificate chain and key from PEM files into the rustls
//! configuration [`Config::tls`](crate::Config::tls) takes.
//!
//! ```no_run
//! # fn main() -> Result<(), hertz_core::tls::TlsError> {
//! use hertz_core::{Config, Engine};
//!
//! let tls = hertz_core::tls::load_pem("cert.pem", "key.pem")?;
//! let h = Engine::with_defaults(Config::default().host_ports("0.0.0.0:8443").tls(tls));
//! # Ok(()) }
//! ```
//!
//! The engine sets the configuration's ALPN list from its registered protocols, so leave
//! `alpn_protocols` empty. TLS runs on both transports, tokio and netpoll.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// The rustls this crate was built against, for building a [`rustls::ServerConfig`] by hand.
pub use rustls;

/// Why [`load_pem`] could not build a TLS configuration.
#[derive(Debug)]
pub struct TlsError {
    kind: TlsErrorKind,
    path: Option<PathBuf>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

/// What went wrong, without the details [`TlsError`] carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsErrorKind {
    /// A file could not be read.
    Io,
    /// A file is not valid PEM.
    Pem,
    /// The certificate file holds no `CERTIFICATE` section.
    NoCertificate,
    /// The key file holds no private key section (`PRIVATE KEY`, `RSA PRIVATE KEY` or
    /// `EC PRIVATE KEY`).
    NoPrivateKey,
    /// rustls refused the certificate and key (e.g. an unsupported key type, or a key that
    /// does not match the certificate).
    Rejected,
}

impl TlsError {
    fn new(kind: TlsErrorKind, path: Option<&Path>) -> Self {
        TlsError {
            kind,
            path: path.map(Path::to_path_buf),
            source: None,
        }
    }

    fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> TlsErrorKind {
        self.kind
    }

    /// The file the problem is in, when it is in one file.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Whether a file could not be read.
    pub fn is_io(&self) -> bool {
        self.kind == TlsErrorKind::Io
    }
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(path) = &self.path {
            write!(f, "{}: ", path.display())?;
        }
        let problem = match self.kind {
            TlsErrorKind::Io => "cannot read the file",
            TlsErrorKind::Pem => "not valid PEM",
            TlsErrorKind::NoCertificate => "no certificate (no `BEGIN CERTIFICATE` section)",
            TlsErrorKind::NoPrivateKey => {
                "no private key (no `BEGIN PRIVATE KEY`, `BEGIN RSA PRIVATE KEY` or \
                 `BEGIN EC PRIVATE KEY` section)"
            }
            TlsErrorKind::Rejected => "certificate and key rejected",
        };
        f.write_str(problem)?;
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl std::error::Error for TlsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

/// Builds a server configuration from a PEM certificate chain (leaf first, as issued) and a
/// PEM private key (PKCS#8, PKCS#1 or SEC1), with rustls's safe defaults (TLS 1.2 and 1.3,
/// the `ring` provider, no client authentication).
///
/// Errors name the file and the problem: unreadable, not PEM, no certificate, no key, or
/// certificate and key rejected by rustls.
pub fn load_pem(
    cert_path: impl AsRef<Path>,
    key_path: impl AsRef<Path>,
) -> Result<rustls::ServerConfig, TlsError> {
    let (cert_path, key_path) = (cert_path.as_ref(), key_path.as_ref());
    let certs = read_certs(cert_path)?;
    let key = read_key(key_path)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| TlsError::new(TlsErrorKind::Rejected, None).with_source(err))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|err| {
            // Usually the key (unsupported type, or not the certificate's).
            TlsError::new(TlsErrorKind::Rejected, Some(key_path)).with_source(err)
        })
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|err| TlsError::new(TlsErrorKind::Io, Some(path)).with_source(err))
}

fn pem_error(path: &Path, missing: TlsErrorKind, err: pem::Error) -> TlsError {
    match err {
        pem::Error::NoItemsFound => TlsError::new(missing, Some(path)),
        other => TlsError::new(TlsErrorKind::Pem, Some(path)).with_source(other),
    }
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let bytes = read(path)?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| pem_error(path, TlsErrorKind::NoCertificate, err))?;
    if certs.is_empty() {
        return Err(TlsError::new(TlsErrorKind::NoCertificate, Some(path)));
    }
    Ok(certs)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let bytes = read(path)?;
    PrivateKeyDer::from_pem_slice(&bytes)
        .map_err(|err| pem_error(path, TlsErrorKind::NoPrivateKey, err))
}
