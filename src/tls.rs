//! TLS for every listener. One rustls crypto provider in the whole binary (`ring`),
//! installed once at start; certificates from PEM files, or generated at start when the
//! configuration asks for a self-signed one (ECDSA P-256, the key type the official SDK's
//! QUIC client accepts: `binary-protocol.md` §9).

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::Path;
use std::sync::Arc;

/// Installs `ring` as the process-wide rustls provider. Idempotent.
pub fn install_provider() {
    // An error means a provider is installed already: ours, from an earlier call.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A certificate chain and its private key.
pub struct Identity {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
}

impl Identity {
    /// Reads a PEM certificate chain and a PEM private key. `section` names the
    /// configuration section in errors (`tcp.tls`, `quic.certificate`, ...).
    pub fn from_files(section: &str, cert_file: &str, key_file: &str) -> Result<Self, String> {
        let chain = CertificateDer::pem_file_iter(cert_file)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .map_err(|e| {
                format!(
                    "{section}.cert_file {cert_file:?}: cannot read a PEM certificate chain: {e}"
                )
            })?;
        if chain.is_empty() {
            return Err(format!(
                "{section}.cert_file {cert_file:?}: no certificate in the file"
            ));
        }
        let key = PrivateKeyDer::from_pem_file(key_file).map_err(|e| {
            format!("{section}.key_file {key_file:?}: cannot read a PEM private key: {e}")
        })?;
        Ok(Identity { chain, key })
    }

    /// A fresh self-signed ECDSA P-256 certificate for `names` (DNS names or IP addresses).
    pub fn self_signed(names: &[String]) -> Result<Self, String> {
        let certified = rcgen::generate_simple_self_signed(names.to_vec())
            .map_err(|e| format!("cannot generate a self-signed certificate: {e}"))?;
        let key = PrivateKeyDer::try_from(certified.key_pair.serialize_der())
            .map_err(|e| format!("cannot use the generated key: {e}"))?;
        Ok(Identity {
            chain: vec![certified.cert.der().clone()],
            key,
        })
    }

    /// `[tcp.tls]` / `[websocket.tls]`: with `self_signed`, a certificate for `names` is
    /// generated when `cert_file` does not exist; otherwise the files are read.
    pub fn for_listener(
        section: &str,
        self_signed: bool,
        cert_file: &str,
        key_file: &str,
        names: &[String],
    ) -> Result<Self, String> {
        if self_signed && !Path::new(cert_file).exists() {
            log::info!(
                "{section}: {cert_file} does not exist: using a self-signed certificate for {}",
                names.join(", ")
            );
            return Self::self_signed(names);
        }
        Self::from_files(section, cert_file, key_file)
    }

    /// TLS 1.3 only, as QUIC requires; no ALPN, no client authentication.
    pub fn tls13_config(&self) -> Result<rustls::ServerConfig, String> {
        rustls::ServerConfig::builder_with_protocol_versions(&[&rustls::version::TLS13])
            .with_no_client_auth()
            .with_single_cert(self.chain.clone(), self.key.clone_key())
            .map_err(|e| format!("the certificate and key do not make a TLS configuration: {e}"))
    }

    /// A rustls server configuration without client authentication, offering `alpn`.
    pub fn server_config(&self, alpn: &[&[u8]]) -> Result<Arc<rustls::ServerConfig>, String> {
        let mut config = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(self.chain.clone(), self.key.clone_key())
            .map_err(|e| format!("the certificate and key do not make a TLS configuration: {e}"))?;
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        Ok(Arc::new(config))
    }
}

/// A client configuration that trusts any certificate, for the start-up probes that ask
/// whether another server already answers on a listener's address (`crate::listen`): they
/// only look for an answer, they send nothing secret. TLS 1.3 only with `tls13` (QUIC).
pub fn trusting_client_config(tls13: bool) -> rustls::ClientConfig {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let versions: &[&rustls::SupportedProtocolVersion] = if tls13 {
        &[&rustls::version::TLS13]
    } else {
        rustls::DEFAULT_VERSIONS
    };
    let mut config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions)
        .expect("ring supports the default TLS versions")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
        .with_no_client_auth();
    config.alpn_protocols.clear();
    config
}

#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &rustls::pki_types::ServerName<'_>,
        _: &[u8],
        _: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.0.signature_verification_algorithms;
        rustls::crypto::verify_tls12_signature(message, cert, dss, algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.0.signature_verification_algorithms;
        rustls::crypto::verify_tls13_signature(message, cert, dss, algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// How long a TLS client of a stream listener may take to finish its handshake.
const HANDSHAKE_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

/// The acceptor of a stream listener's `[<section>]` TLS settings (`tcp.tls`,
/// `websocket.tls`) when enabled: certificate files, or self-signed for the bound address.
pub fn acceptor(
    section: &str,
    t: &crate::config::TlsConfig,
    bound: std::net::SocketAddr,
    alpn: &[&[u8]],
) -> Result<Option<tokio_rustls::TlsAcceptor>, String> {
    if !t.enabled {
        return Ok(None);
    }
    let identity = Identity::for_listener(
        section,
        t.self_signed,
        &t.cert_file,
        &t.key_file,
        &names_for(bound),
    )?;
    let server = identity
        .server_config(alpn)
        .map_err(|e| format!("{section}: {e}"))?;
    Ok(Some(tokio_rustls::TlsAcceptor::from(server)))
}

/// The server side of a TLS handshake on `stream`, given [`HANDSHAKE_DEADLINE`]. A
/// handshake that fails or stalls is logged (naming `transport` and the peer) and `None`.
pub async fn handshake(
    acceptor: &tokio_rustls::TlsAcceptor,
    stream: tokio::net::TcpStream,
    transport: &str,
    peer: std::net::SocketAddr,
) -> Option<tokio_rustls::server::TlsStream<tokio::net::TcpStream>> {
    match tokio::time::timeout(HANDSHAKE_DEADLINE, acceptor.accept(stream)).await {
        Ok(Ok(stream)) => Some(stream),
        Ok(Err(e)) => {
            log::info!("{transport} TLS handshake with {peer} failed: {e}");
            None
        }
        Err(_) => {
            log::info!("{transport} TLS handshake with {peer} did not finish within {HANDSHAKE_DEADLINE:?}: dropped");
            None
        }
    }
}

/// The names a self-signed certificate for a listener on `address` carries: `localhost`
/// and the address's IP (unless it is a wildcard).
pub fn names_for(address: std::net::SocketAddr) -> Vec<String> {
    let mut names = vec!["localhost".to_string()];
    if !address.ip().is_unspecified() {
        names.push(address.ip().to_string());
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_signed_and_file_identities_make_server_configs() {
        install_provider();
        install_provider();
        let generated = Identity::self_signed(&names_for("127.0.0.1:0".parse().unwrap())).unwrap();
        generated.server_config(&[b"iggy"]).unwrap();
        let root = env!("CARGO_MANIFEST_DIR");
        let cert = format!("{root}/certs/iggy_cert.pem");
        let key = format!("{root}/certs/iggy_key.pem");
        let from_files = Identity::for_listener("tcp.tls", true, &cert, &key, &[]).unwrap();
        from_files.server_config(&[]).unwrap();
        let missing = Identity::from_files("tcp.tls", "/nonexistent.pem", &key)
            .err()
            .unwrap();
        assert!(missing.contains("tcp.tls.cert_file"), "{missing}");
        let swapped = Identity::from_files("tcp.tls", &key, &cert).err().unwrap();
        assert!(swapped.contains("tcp.tls"), "{swapped}");
        let generated = Identity::for_listener(
            "tcp.tls",
            true,
            "/nonexistent.pem",
            "/x",
            &names_for("0.0.0.0:1".parse().unwrap()),
        );
        assert!(generated.is_ok());
    }
}
