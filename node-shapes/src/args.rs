//! The flags of `server` and `client` that every tlsbox front end takes.
//! The native CLI adds its sandbox flags around these with `#[command(flatten)]`.

use std::path::PathBuf;

use clap::Args;

/// `server`: Node's echo server example.
#[derive(Args, Debug, Clone)]
pub struct ServerFlags {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:4433", value_name = "HOST:PORT")]
    pub accept: String,
    /// Certificate chain (PEM): the leaf, then intermediates.
    #[arg(long, value_name = "FILE")]
    pub cert: PathBuf,
    /// Private key (PEM).
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// Passphrase of an encrypted key.
    #[arg(long, value_name = "PASSPHRASE")]
    pub pass: Option<String>,
    /// Roots to verify client certificates against (repeatable).
    #[arg(long, value_name = "FILE")]
    pub ca: Vec<PathBuf>,
    /// Certificate revocation lists (repeatable).
    #[arg(long, value_name = "FILE")]
    pub crl: Vec<PathBuf>,
    /// Ask clients for a certificate (Node's `requestCert`).
    #[arg(long)]
    pub request_cert: bool,
    /// With --request-cert, refuse clients whose certificate does not verify.
    #[arg(long)]
    pub reject_unauthorized: bool,
    /// ALPN protocols, comma-separated, preferred first.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub alpn: Vec<String>,
    /// Another context for an SNI name or `*.name` (repeatable; Node's `addContext`).
    #[arg(long, value_name = "PATTERN=CERT,KEY")]
    pub context: Vec<String>,
    /// Close connections beyond this many (Node's `maxConnections`).
    #[arg(long, value_name = "N")]
    pub max_connections: Option<usize>,
    /// Abort handshakes that take longer than this (milliseconds).
    #[arg(long, value_name = "MS", default_value_t = 120_000)]
    pub handshake_timeout: u64,
    /// Print one JSON object per line for each event.
    #[arg(long)]
    pub json: bool,
    /// Cipher suites to accept, OpenSSL or IANA names separated by `:` (Node's `ciphers`).
    #[arg(long, value_name = "LIST")]
    pub ciphers: Option<String>,
    /// Lowest protocol version to speak: TLSv1.2 or TLSv1.3 (Node's `minVersion`).
    #[arg(long, value_name = "TLSv1.2|TLSv1.3")]
    pub min_version: Option<String>,
    /// Highest protocol version to speak: TLSv1.2 or TLSv1.3 (Node's `maxVersion`).
    #[arg(long, value_name = "TLSv1.2|TLSv1.3")]
    pub max_version: Option<String>,
    /// Key-exchange groups, preferred first, separated by `:` (Node's
    /// `ecdhCurve`; OpenSSL's names: X25519MLKEM768, X25519, P-256, P-384).
    #[arg(long, value_name = "LIST")]
    pub ecdh_curve: Option<String>,
    /// Signature schemes, separated by `:` (Node's `sigalgs`; OpenSSL's
    /// names: RSA-PSS+SHA256, ECDSA+SHA256, ed25519, ...).
    #[arg(long, value_name = "LIST")]
    pub sigalgs: Option<String>,
    /// An OCSP response (DER) to staple for clients that ask
    /// (`openssl s_server -status_file`; `openssl ocsp -respout` writes one).
    #[arg(long, value_name = "FILE")]
    pub ocsp_response: Option<PathBuf>,
}

/// `client`: connects, reports the handshake, then copies stdin to the
/// server and the server to stdout.
#[derive(Args, Debug, Clone)]
pub struct ClientFlags {
    /// Server to connect to.
    #[arg(long, default_value = "localhost:4433", value_name = "HOST:PORT")]
    pub connect: String,
    /// SNI name, and the name the certificate must match (default: the host, unless an IP).
    #[arg(long, value_name = "NAME")]
    pub servername: Option<String>,
    /// Roots to trust (repeatable), instead of the default ones (Mozilla's,
    /// plus the file `NODE_EXTRA_CA_CERTS` names).
    #[arg(long, value_name = "FILE")]
    pub ca: Vec<PathBuf>,
    /// Certificate revocation lists the server's chain is checked against (repeatable).
    #[arg(long, value_name = "FILE")]
    pub crl: Vec<PathBuf>,
    /// Client certificate (PEM), sent if the server asks.
    #[arg(long, value_name = "FILE", requires = "key")]
    pub cert: Option<PathBuf>,
    /// Client private key (PEM).
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub key: Option<PathBuf>,
    /// Passphrase of an encrypted key.
    #[arg(long, value_name = "PASSPHRASE")]
    pub pass: Option<String>,
    /// ALPN protocols to offer, comma-separated.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub alpn: Vec<String>,
    /// Connect even if the server's certificate does not verify (Node's
    /// `rejectUnauthorized: false`). The connection is then open to tampering.
    #[arg(long)]
    pub insecure: bool,
    /// Abort the handshake after this long (milliseconds).
    #[arg(long, value_name = "MS", default_value_t = 120_000)]
    pub handshake_timeout: u64,
    /// Print the handshake's outcome as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Cipher suites to offer, OpenSSL or IANA names separated by `:` (Node's `ciphers`).
    #[arg(long, value_name = "LIST")]
    pub ciphers: Option<String>,
    /// Lowest protocol version to speak: TLSv1.2 or TLSv1.3 (Node's `minVersion`).
    #[arg(long, value_name = "TLSv1.2|TLSv1.3")]
    pub min_version: Option<String>,
    /// Highest protocol version to speak: TLSv1.2 or TLSv1.3 (Node's `maxVersion`).
    #[arg(long, value_name = "TLSv1.2|TLSv1.3")]
    pub max_version: Option<String>,
    /// Key-exchange groups, preferred first, separated by `:` (Node's
    /// `ecdhCurve`; OpenSSL's names: X25519MLKEM768, X25519, P-256, P-384).
    #[arg(long, value_name = "LIST")]
    pub ecdh_curve: Option<String>,
    /// Signature schemes, separated by `:` (Node's `sigalgs`; OpenSSL's
    /// names: RSA-PSS+SHA256, ECDSA+SHA256, ed25519, ...).
    #[arg(long, value_name = "LIST")]
    pub sigalgs: Option<String>,
    /// Ask the server for its stapled OCSP response and report it (Node's
    /// `requestOCSP`; `openssl s_client -status`).
    #[arg(long, visible_alias = "status")]
    pub request_ocsp: bool,
}
