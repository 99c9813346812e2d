//! The rustls bridge: trust roots, and the TLS handshake on a dialed stream.
//!
//! Everything that names rustls lives here. The handshake sends SNI for DNS names (rustls
//! omits it for IP addresses, as RFC 6066 §3 requires) and offers ALPN `http/1.1`.

use std::fmt;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::RootCertStore;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use crate::{Error, ErrorKind};

/// TLS settings for `https` URLs: which roots to trust (rustls underneath).
///
/// ```no_run
/// # fn main() -> Result<(), hertz_client::Error> {
/// use hertz_client::{Client, TlsConfig};
///
/// let pem = std::fs::read("ca.pem").expect("read CA");
/// let tls = TlsConfig::builder().system_roots().ca_pem(&pem)?.build()?;
/// let client = Client::builder().tls(tls).build()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct TlsConfig {
    connector: TlsConnector,
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConfig").finish_non_exhaustive()
    }
}

impl TlsConfig {
    /// Starts from an empty root store.
    pub fn builder() -> TlsConfigBuilder {
        TlsConfigBuilder {
            roots: RootCertStore::empty(),
            system: false,
        }
    }

    /// The system's trust roots (the OS store; Mozilla's bundled roots if it has none).
    pub fn system_roots() -> Self {
        let mut roots = RootCertStore::empty();
        add_system_roots(&mut roots);
        Self::from_roots(roots)
    }

    /// Uses a rustls configuration as it is (client certificates, custom verifiers, …).
    /// ALPN is left as configured.
    pub fn from_rustls(config: Arc<rustls::ClientConfig>) -> Self {
        TlsConfig {
            connector: TlsConnector::from(config),
        }
    }

    fn from_roots(roots: RootCertStore) -> Self {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap_or_else(|_| {
                // The ring provider supports the default versions; this branch is dead but
                // must not panic.
                rustls::ClientConfig::builder_with_protocol_versions(rustls::DEFAULT_VERSIONS)
            });
        let mut config = builder.with_root_certificates(roots).with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Self::from_rustls(Arc::new(config))
    }

    /// Runs the handshake on `stream` for `host`.
    ///
    /// # Cancel safety
    /// Cancel safe: the stream is dropped (closed) with the future.
    pub(crate) async fn connect(
        &self,
        host: &str,
        stream: TcpStream,
    ) -> Result<TlsStream<TcpStream>, Error> {
        let name = ServerName::try_from(host.to_owned()).map_err(|e| {
            Error::new(ErrorKind::Tls)
                .with_detail(format!("{host:?} is not a valid server name"))
                .with_source(e)
        })?;
        self.connector.connect(name, stream).await.map_err(|e| {
            Error::new(ErrorKind::Tls)
                .with_detail(host.to_owned())
                .with_source(e)
        })
    }
}

/// Collects trust roots for a [`TlsConfig`].
#[derive(Debug)]
pub struct TlsConfigBuilder {
    roots: RootCertStore,
    system: bool,
}

impl TlsConfigBuilder {
    /// Adds the system's roots.
    pub fn system_roots(mut self) -> Self {
        self.system = true;
        self
    }

    /// Adds every certificate in a PEM bundle as a trusted root (a private CA).
    ///
    /// # Errors
    /// [`ErrorKind::Tls`] when the PEM holds no certificate or one rustls refuses.
    pub fn ca_pem(mut self, pem: &[u8]) -> Result<Self, Error> {
        let mut added = 0;
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| {
                Error::new(ErrorKind::Tls)
                    .with_detail("bad CA PEM")
                    .with_source(e.to_string())
            })?;
            self.roots.add(cert).map_err(|e| {
                Error::new(ErrorKind::Tls)
                    .with_detail("CA certificate refused")
                    .with_source(e)
            })?;
            added += 1;
        }
        if added == 0 {
            return Err(Error::new(ErrorKind::Tls).with_detail("no certificate in the CA PEM"));
        }
        Ok(self)
    }

    /// Adds one DER-encoded root certificate.
    ///
    /// # Errors
    /// [`ErrorKind::Tls`] when rustls refuses it.
    pub fn ca_der(mut self, der: &[u8]) -> Result<Self, Error> {
        self.roots
            .add(CertificateDer::from(der.to_vec()))
            .map_err(|e| Error::new(ErrorKind::Tls).with_source(e))?;
        Ok(self)
    }

    /// The configuration.
    ///
    /// # Errors
    /// [`ErrorKind::Tls`] when no root at all was added.
    pub fn build(mut self) -> Result<TlsConfig, Error> {
        if self.system {
            add_system_roots(&mut self.roots);
        }
        if self.roots.is_empty() {
            return Err(Error::new(ErrorKind::Tls).with_detail("no trusted root certificate"));
        }
        Ok(TlsConfig::from_roots(self.roots))
    }
}

fn add_system_roots(roots: &mut RootCertStore) {
    let native = rustls_native_certs::load_native_certs();
    let (added, _ignored) = roots.add_parsable_certificates(native.certs);
    if added == 0 {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
}
