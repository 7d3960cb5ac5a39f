//! Relay URLs to opendal operators (fs, memory, WebDAV, S3), and relay
//! errors said so that the app can tell the relay's fault (unreachable,
//! credentials refused) from the group's (wrong secret, tampered object).

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use opendal::{ErrorKind, Operator, services};

use super::RelayConfig;
use crate::error::{Error, Result};

/// Where a relay is, without credentials, for messages.
pub(crate) fn describe(url: &str) -> String {
    // Query strings may name endpoints, never secrets; credentials never
    // come in the URL, but drop any user info someone typed anyway.
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
            format!("{scheme}://{rest}")
        }
        None => url.to_string(),
    }
}

/// The operator for a relay URL:
/// `file:///path`, `memory://name`, `webdav+http(s)://host:port/path`,
/// `s3://bucket/prefix?endpoint=http://host:port&region=region`.
pub(crate) fn operator(config: &RelayConfig) -> Result<Operator> {
    // opendal builds an HTTP client for every backend, even a folder.
    install_tls_provider();
    let url = config.url.trim();
    let bad = |reason: &str| Error::invalid("relay url", reason.to_string());
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| bad("expected file://, webdav+http(s):// or s3://"))?;
    let built = match scheme {
        "file" => {
            if !rest.starts_with('/') {
                return Err(bad("a file:// relay needs an absolute path (file:///path)"));
            }
            Operator::new(services::Fs::default().root(rest)).map(|b| b.finish())
        }
        "memory" => return Ok(memory(rest)),
        "webdav+http" | "webdav+https" => {
            let http = &scheme["webdav+".len()..];
            let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
            if host.is_empty() {
                return Err(bad("a WebDAV relay needs a host"));
            }
            let mut builder = services::Webdav::default()
                .endpoint(&format!("{http}://{host}"))
                .root(&format!("/{path}"));
            if let Some(user) = &config.username {
                builder = builder.username(user);
            }
            if let Some(password) = &config.password {
                builder = builder.password(password);
            }
            Operator::new(builder).map(|b| b.finish())
        }
        "s3" => {
            let (location, query) = rest.split_once('?').unwrap_or((rest, ""));
            let (bucket, prefix) = location.split_once('/').unwrap_or((location, ""));
            if bucket.is_empty() {
                return Err(bad("an s3:// relay needs a bucket (s3://BUCKET/PREFIX)"));
            }
            let mut builder = services::S3::default()
                .bucket(bucket)
                .root(&format!("/{prefix}"))
                .disable_config_load();
            for pair in query.split('&').filter(|p| !p.is_empty()) {
                match pair.split_once('=') {
                    Some(("endpoint", v)) => builder = builder.endpoint(v),
                    Some(("region", v)) => builder = builder.region(v),
                    _ => return Err(bad("s3:// relays take only endpoint= and region= parameters")),
                }
            }
            if !query.contains("region=") {
                builder = builder.region("us-east-1");
            }
            match (&config.username, &config.password) {
                (Some(id), Some(key)) => {
                    builder = builder.access_key_id(id).secret_access_key(key);
                }
                _ => return Err(bad("an s3:// relay needs an access key id and a secret access key")),
            }
            Operator::new(builder).map(|b| b.finish())
        }
        _ => return Err(bad("expected file://, webdav+http(s):// or s3://")),
    };
    built.map_err(|e| relay_error(&config.url, "could not be configured", &e))
}

/// In-memory relays live as long as the process; the same name is the
/// same relay (tests run several stores against one).
fn memory(name: &str) -> Operator {
    static RELAYS: OnceLock<Mutex<HashMap<String, Operator>>> = OnceLock::new();
    let mut relays = RELAYS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    relays
        .entry(name.to_string())
        .or_insert_with(|| {
            Operator::new(services::Memory::default())
                .map(|b| b.finish())
                .expect("memory relay")
        })
        .clone()
}

fn install_tls_provider() {
    // Already installed (by us or the app) is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A relay failure, naming the relay and what went wrong there.
pub(crate) fn relay_error(url: &str, what: &str, err: &opendal::Error) -> Error {
    let relay = describe(url);
    let reason = match err.kind() {
        ErrorKind::PermissionDenied => {
            "the relay refused the credentials (check the relay user and password or access keys; \
             the group secret is not involved)"
                .to_string()
        }
        ErrorKind::NotFound => "the relay folder or bucket does not exist".to_string(),
        _ => {
            let text = err.to_string();
            if text.contains("401")
                || text.contains("403")
                || text.contains("Unauthorized")
                || text.contains("Forbidden")
            {
                "the relay refused the credentials (check the relay user and password or access keys; \
                 the group secret is not involved)"
                    .to_string()
            } else {
                format!(
                    "the relay could not be reached or answered with an error ({})",
                    err.kind()
                )
            }
        }
    };
    Error::Relay(format!("relay {relay} {what}: {reason}"))
}
