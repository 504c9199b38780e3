//! Whether to believe a server's certificate: the system's authorities
//! first, then the user's pin (trust on first use).
//!
//! [`PinningVerifier`] is the rustls verifier of every encrypted
//! connection. A certificate the system trust store vouches for is
//! accepted as any browser would. Otherwise the certificate must be the
//! one pinned for this `host:port` in
//! [`KnownServers`](super::known_servers::KnownServers), byte for byte.
//! When it is not, the handshake fails with a [`TrustProblem`] inside the
//! rustls error, so nothing is sent, and the window asks the user (an
//! unknown certificate) or warns (a changed one). Handshake signatures are
//! always checked, so a copied certificate is useless without its key.

use std::fmt;
use std::io;
use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, OtherError, RootCertStore, SignatureScheme};

/// The SHA-256 hash of a certificate (its DER bytes), as people compare it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// The fingerprint of `cert`.
    pub fn of(cert: &CertificateDer<'_>) -> Self {
        let digest = ring::digest::digest(&ring::digest::SHA256, cert.as_ref());
        let mut bytes = [0; 32];
        bytes.copy_from_slice(digest.as_ref());
        Fingerprint(bytes)
    }

    /// Reads a fingerprint in either case, with or without colons (as
    /// `openssl x509 -fingerprint -sha256` prints it, or as we do).
    pub fn parse(text: &str) -> Option<Self> {
        let hex: Vec<u8> = text.bytes().filter(|&b| b != b':').collect();
        if hex.len() != 64 {
            return None;
        }
        let mut bytes = [0; 32];
        for (byte, pair) in bytes.iter_mut().zip(hex.chunks(2)) {
            *byte = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
        }
        Some(Fingerprint(bytes))
    }

    /// The fingerprint on two lines of sixteen pairs, to fit a dialog.
    pub fn two_lines(&self) -> String {
        let text = self.to_string();
        // 16 pairs of two digits plus 16 colons: the 48th character is the 16th colon.
        format!("{}\n{}", &text[..47], &text[48..])
    }
}

impl fmt::Display for Fingerprint {
    /// Upper-case hex pairs joined by colons: `AB:CD:…` (95 characters).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, byte) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{byte:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

/// Why a certificate was not accepted, beyond what webpki says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustProblem {
    /// Neither the system nor the user trusts it yet; the user may.
    Unknown { presented: Fingerprint },
    /// The user trusted another certificate for this server.
    Changed { pinned: Fingerprint, presented: Fingerprint },
}

impl fmt::Display for TrustProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrustProblem::Unknown { presented } => write!(f, "untrusted certificate {presented}"),
            TrustProblem::Changed { pinned, presented } => {
                write!(f, "certificate changed from {pinned} to {presented}")
            }
        }
    }
}

impl std::error::Error for TrustProblem {}

impl TrustProblem {
    /// Finds the problem inside an error of a failed handshake (rustls
    /// hands its errors to `io` callers as `InvalidData` errors).
    pub fn from_io(err: &io::Error) -> Option<Self> {
        let rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(inner))) =
            err.get_ref()?.downcast_ref::<rustls::Error>()?
        else {
            return None;
        };
        inner.downcast_ref::<TrustProblem>().cloned()
    }

    fn into_rustls(self) -> rustls::Error {
        rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(self))))
    }
}

/// The rustls verifier of the client: system authorities, then the pin.
#[derive(Debug)]
pub struct PinningVerifier {
    /// The system trust store's verifier; `None` when the store is empty.
    system: Option<Arc<WebPkiServerVerifier>>,
    /// The certificate the user trusted for this server, if any.
    pinned: Option<Fingerprint>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PinningVerifier {
    /// A verifier that accepts what `roots` vouch for, or the certificate
    /// whose fingerprint is `pinned`.
    pub fn new(roots: Arc<RootCertStore>, pinned: Option<Fingerprint>) -> Self {
        let provider = provider();
        // An empty store (no ca-certificates installed) only leaves the pins.
        let system = WebPkiServerVerifier::builder_with_provider(roots, provider.clone()).build().ok();
        PinningVerifier { system, pinned, algorithms: provider.signature_verification_algorithms }
    }
}

impl ServerCertVerifier for PinningVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Some(system) = &self.system {
            match system.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
                Ok(verified) => return Ok(verified),
                Err(err) => log::debug!("the system trust store refuses the certificate: {err}"),
            }
        }
        let presented = Fingerprint::of(end_entity);
        match self.pinned {
            // The user compared this exact certificate once; its name and
            // dates are what the server's owner made them, as with SSH keys.
            Some(pinned) if pinned == presented => Ok(ServerCertVerified::assertion()),
            Some(pinned) => Err(TrustProblem::Changed { pinned, presented }.into_rustls()),
            None => Err(TrustProblem::Unknown { presented }.into_rustls()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// The ring crypto provider, made once per process like [`system_roots`].
fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER.get_or_init(|| Arc::new(rustls::crypto::ring::default_provider())).clone()
}

/// The system's certificate authorities (`/etc/ssl/certs`, or
/// `SSL_CERT_FILE`/`SSL_CERT_DIR`), read once per process.
pub fn system_roots() -> Arc<RootCertStore> {
    static ROOTS: OnceLock<Arc<RootCertStore>> = OnceLock::new();
    ROOTS
        .get_or_init(|| {
            let found = rustls_native_certs::load_native_certs();
            for err in &found.errors {
                log::warn!("system certificates: {err}");
            }
            let mut roots = RootCertStore::empty();
            let (added, ignored) = roots.add_parsable_certificates(found.certs);
            log::debug!("system trust store: {added} certificates, {ignored} ignored");
            Arc::new(roots)
        })
        .clone()
}

/// The TLS settings of one connection, with `pinned` as the user's pin.
pub fn client_config(pinned: Option<Fingerprint>) -> Result<Arc<ClientConfig>, rustls::Error> {
    let verifier = PinningVerifier::new(system_roots(), pinned);
    let config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use rustls::pki_types::pem::PemObject;

    use super::*;

    fn cert(name: &str) -> CertificateDer<'static> {
        let path = format!("{}/tests/tls/{name}", env!("CARGO_MANIFEST_DIR"));
        CertificateDer::from_pem_file(path).expect("test certificate")
    }

    fn now() -> UnixTime {
        UnixTime::since_unix_epoch(Duration::from_secs(
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs(),
        ))
    }

    fn verify(verifier: &PinningVerifier, cert: &CertificateDer<'_>) -> Result<(), TrustProblem> {
        let name = ServerName::try_from("localhost").unwrap();
        verifier.verify_server_cert(cert, &[], &name, &[], now()).map(|_| ()).map_err(|err| {
            let io = io::Error::new(io::ErrorKind::InvalidData, err);
            TrustProblem::from_io(&io).expect("a trust problem")
        })
    }

    #[test]
    fn fingerprints_are_colon_separated_hex_pairs() {
        let fp = Fingerprint::of(&cert("natterd-cert.pem"));
        let text = fp.to_string();
        assert_eq!(text.len(), 95);
        assert!(text.split(':').all(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_hexdigit() && !c.is_lowercase())));
        assert_eq!(Fingerprint::parse(&text), Some(fp));
        assert_eq!(Fingerprint::parse(&text.replace(':', "").to_lowercase()), Some(fp));
        let lines = fp.two_lines();
        assert_eq!(lines.replace('\n', ":"), text);
        assert!(lines.lines().all(|l| l.len() == 47));
        assert_ne!(fp, Fingerprint::of(&cert("other-cert.pem")));

        let zero = Fingerprint([0; 32]);
        assert_eq!(zero.to_string(), ["00"; 32].join(":"));
        let counting = Fingerprint(std::array::from_fn(|i| (i * 8) as u8));
        assert!(counting.to_string().starts_with("00:08:10:18:20:"), "{counting}");
        for bad in ["", "AB:CD", &text[1..], &format!("{text}:00"), &text.replace('A', "G")] {
            assert_eq!(Fingerprint::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_pinned_certificate_is_trusted() {
        let natterd = cert("natterd-cert.pem");
        let verifier = PinningVerifier::new(Arc::new(RootCertStore::empty()), Some(Fingerprint::of(&natterd)));
        assert_eq!(verify(&verifier, &natterd), Ok(()));
    }

    #[test]
    fn an_unknown_certificate_returns_its_fingerprint() {
        let natterd = cert("natterd-cert.pem");
        let verifier = PinningVerifier::new(Arc::new(RootCertStore::empty()), None);
        assert_eq!(verify(&verifier, &natterd), Err(TrustProblem::Unknown { presented: Fingerprint::of(&natterd) }));
        // The system store in use here does not know the test certificate either.
        let verifier = PinningVerifier::new(system_roots(), None);
        assert!(matches!(verify(&verifier, &natterd), Err(TrustProblem::Unknown { .. })));
    }

    #[test]
    fn a_changed_certificate_is_refused_naming_both() {
        let (natterd, other) = (cert("natterd-cert.pem"), cert("other-cert.pem"));
        let pinned = Fingerprint::of(&natterd);
        let verifier = PinningVerifier::new(system_roots(), Some(pinned));
        assert_eq!(
            verify(&verifier, &other),
            Err(TrustProblem::Changed { pinned, presented: Fingerprint::of(&other) })
        );
    }

    #[test]
    fn a_certificate_from_a_trusted_authority_needs_no_pin() {
        // The test certificate made the root of its own store: webpki
        // accepts it for its names only.
        let natterd = cert("natterd-cert.pem");
        let mut roots = RootCertStore::empty();
        roots.add(natterd.clone()).unwrap();
        let other_pin = Some(Fingerprint::of(&cert("other-cert.pem")));
        let verifier = PinningVerifier::new(Arc::new(roots), other_pin);
        assert_eq!(verify(&verifier, &natterd), Ok(()));
    }

    #[test]
    fn other_errors_are_not_trust_problems() {
        let io = io::Error::new(io::ErrorKind::InvalidData, rustls::Error::DecryptError);
        assert_eq!(TrustProblem::from_io(&io), None);
        assert_eq!(TrustProblem::from_io(&io::Error::other("x")), None);
    }
}
