//! Relays for scenario tests: a shared folder, or a real server on
//! loopback (Apache WebDAV, an S3 server) started by `tests/servers/*.sh`,
//! and the operator's view of what is stored there (every object, read
//! straight from the storage, not through Storyloom).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use opendal::{Operator, services};
use storyloom::sync::CancelHandle;
use storyloom::{RelayConfig, RelaySummary, Store};
use tempfile::TempDir;

/// Which storage a relay test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Fs,
    Webdav,
    S3,
}

/// A relay and the storage behind it, stopped when dropped.
pub struct Relay {
    pub backend: Backend,
    pub config: RelayConfig,
    /// The folder the storage keeps its files in (fs and WebDAV), for the
    /// operator's view.
    pub data_dir: Option<PathBuf>,
    /// The server's own log of the requests it answered (WebDAV, S3).
    request_log: Option<PathBuf>,
    server: Option<Server>,
    _dir: TempDir,
}

struct Server {
    script: PathBuf,
    dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(&self.script)
            .arg("stop")
            .arg(&self.dir)
            .status();
    }
}

fn servers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("servers")
}

impl Relay {
    pub fn new(backend: Backend) -> Self {
        match backend {
            Backend::Fs => Self::fs(),
            Backend::Webdav => Self::webdav(),
            Backend::S3 => Self::s3(),
        }
    }

    /// A shared folder (`file://`).
    pub fn fs() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("relay");
        std::fs::create_dir_all(&data).expect("relay folder");
        Self {
            backend: Backend::Fs,
            config: RelayConfig::new(format!("file://{}", data.display())),
            data_dir: Some(data),
            request_log: None,
            server: None,
            _dir: dir,
        }
    }

    /// Starts a server with `tests/servers/<name>.sh start DIR`, which
    /// prints `KEY=VALUE` lines (URL, USER, PASSWORD, DATA).
    fn started(backend: Backend, name: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let script = servers_dir().join(format!("{name}.sh"));
        let out = Command::new("bash")
            .arg(&script)
            .arg("start")
            .arg(dir.path())
            .output()
            .expect("run the server script");
        assert!(
            out.status.success(),
            "could not start the {name} relay server for this test: {}\n{}\n\
             Install the test servers with `.ci/install-relay-servers` (as root) and run the tests again.",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let vars: BTreeMap<String, String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let config =
            RelayConfig::new(vars["URL"].clone()).with_credentials(vars["USER"].clone(), vars["PASSWORD"].clone());
        Self {
            backend,
            config,
            data_dir: vars.get("DATA").filter(|d| !d.is_empty()).map(PathBuf::from),
            request_log: vars.get("REQUEST_LOG").map(PathBuf::from),
            server: Some(Server {
                script,
                dir: dir.path().to_path_buf(),
            }),
            _dir: dir,
        }
    }

    pub fn webdav() -> Self {
        Self::started(Backend::Webdav, "webdav")
    }

    pub fn s3() -> Self {
        Self::started(Backend::S3, "s3")
    }

    /// Stops the server (a fault in the middle of the group's work).
    pub fn stop_server(&self) {
        if let Some(server) = &self.server {
            let status = Command::new("bash")
                .arg(&server.script)
                .arg("stop")
                .arg(&server.dir)
                .status()
                .expect("stop server");
            assert!(status.success());
        }
    }

    /// Starts the stopped server again on the same port and data (an S3
    /// server that keeps objects in memory starts empty, with new keys).
    pub fn restart_server(&mut self) {
        if let Some(server) = &self.server {
            let out = Command::new("bash")
                .arg(&server.script)
                .arg("restart")
                .arg(&server.dir)
                .output()
                .expect("restart server");
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            let text = String::from_utf8_lossy(&out.stdout);
            for (key, value) in text.lines().filter_map(|l| l.split_once('=')) {
                match key {
                    "USER" => self.config.username = Some(value.to_string()),
                    "PASSWORD" => self.config.password = Some(value.to_string()),
                    _ => {}
                }
            }
        }
    }

    /// How many requests the server has answered so far, by its own log
    /// (one `"METHOD PATH HTTP/1.1"` line each); `None` for a shared
    /// folder. Servers log after answering, so this waits for the log to
    /// stop growing.
    pub fn requests_answered(&self) -> Option<usize> {
        let log = self.request_log.as_ref()?;
        let count = || {
            std::fs::read_to_string(log)
                .map(|text| text.lines().filter(|l| l.contains(" HTTP/1.")).count())
                .unwrap_or(0)
        };
        let mut last = count();
        loop {
            std::thread::sleep(std::time::Duration::from_millis(300));
            let now = count();
            if now == last {
                return Some(now);
            }
            last = now;
        }
    }

    /// The same storage under other credentials.
    pub fn with_credentials(&self, user: &str, password: &str) -> RelayConfig {
        RelayConfig::new(self.config.url.clone()).with_credentials(user, password)
    }

    /// One relay sync, which must succeed.
    pub fn sync(&self, store: &Store) -> RelaySummary {
        store
            .relay_sync(&self.config, &mut |_| {}, &CancelHandle::new())
            .unwrap_or_else(|e| panic!("relay sync: {e}"))
    }

    fn operator(&self) -> Operator {
        let url = &self.config.url;
        match self.backend {
            Backend::Fs => build(services::Fs::default().root(url.strip_prefix("file://").expect("file url"))),
            Backend::Webdav => {
                let rest = url.strip_prefix("webdav+http://").expect("webdav url");
                let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
                build(
                    services::Webdav::default()
                        .endpoint(&format!("http://{host}"))
                        .root(&format!("/{path}"))
                        .username(self.config.username.as_deref().unwrap_or_default())
                        .password(self.config.password.as_deref().unwrap_or_default()),
                )
            }
            Backend::S3 => {
                let rest = url.strip_prefix("s3://").expect("s3 url");
                let (location, query) = rest.split_once('?').expect("s3 query");
                let (bucket, prefix) = location.split_once('/').unwrap_or((location, ""));
                let mut b = services::S3::default()
                    .bucket(bucket)
                    .root(&format!("/{prefix}"))
                    .disable_config_load()
                    .access_key_id(self.config.username.as_deref().unwrap_or_default())
                    .secret_access_key(self.config.password.as_deref().unwrap_or_default());
                for pair in query.split('&') {
                    match pair.split_once('=') {
                        Some(("endpoint", v)) => b = b.endpoint(v),
                        Some(("region", v)) => b = b.region(v),
                        _ => {}
                    }
                }
                build(b)
            }
        }
    }

    fn block_on<T>(&self, f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(f)
    }

    /// Every object on the relay with its bytes, as the operator sees them.
    pub fn objects(&self) -> BTreeMap<String, Vec<u8>> {
        let op = self.operator();
        self.block_on(async {
            let mut out = BTreeMap::new();
            let mut dirs = vec![String::new()];
            while let Some(dir) = dirs.pop() {
                let entries = match op.list(&dir).await {
                    Ok(entries) => entries,
                    Err(e) if e.kind() == opendal::ErrorKind::NotFound => continue,
                    Err(e) => panic!("list {dir}: {e}"),
                };
                for entry in entries {
                    let path = entry.path().trim_start_matches('/').to_string();
                    if path == dir {
                        continue;
                    }
                    if path.ends_with('/') {
                        dirs.push(path);
                    } else {
                        let bytes = op.read(&path).await.expect("read object").to_vec();
                        out.insert(path, bytes);
                    }
                }
            }
            out
        })
    }

    /// Puts bytes on the relay by hand (a replay, a tampering operator).
    pub fn put(&self, path: &str, bytes: Vec<u8>) {
        let op = self.operator();
        self.block_on(async { op.write(path, bytes).await.expect("put object") });
    }

    /// Every file in the storage's own data folder, with its bytes (fs and
    /// WebDAV keep objects as files; the S3 server keeps them in memory and
    /// is seen through [`Relay::objects`]).
    pub fn data_files(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let mut out = Vec::new();
        let Some(root) = &self.data_dir else {
            return out;
        };
        let mut dirs = vec![root.clone()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("read data dir").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    let bytes = std::fs::read(&path).unwrap_or_default();
                    out.push((path, bytes));
                }
            }
        }
        out
    }
}

fn build<B: opendal::Builder>(builder: B) -> Operator {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Operator::new(builder).expect("operator").finish()
}
