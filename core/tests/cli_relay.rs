//! Black-box tests of `storyloom relay sync --url URL`: the exact JSON,
//! the three kinds of URL, credentials from the environment, and errors.
//! WebDAV and S3 run against the real loopback servers of
//! `tests/servers/` (install them with `.ci/install-relay-servers`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

struct Phone {
    store: PathBuf,
    _dir: tempfile::TempDir,
}

impl Phone {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self {
            store: dir.path().join("phone.storyloom"),
            _dir: dir,
        }
    }

    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_storyloom"));
        cmd.arg("--store").arg(&self.store).arg("--json").args(args);
        for var in [
            "STORYLOOM_RELAY_USER",
            "STORYLOOM_RELAY_PASSWORD",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
        ] {
            cmd.env_remove(var);
        }
        cmd.envs(env.iter().copied());
        cmd.output().expect("run storyloom")
    }

    fn ok(&self, args: &[&str], env: &[(&str, &str)]) -> Value {
        let out = self.run(args, env);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("one JSON document")
    }

    fn fails(&self, args: &[&str], env: &[(&str, &str)]) -> Value {
        let out = self.run(args, env);
        assert!(!out.status.success(), "{args:?} should have failed");
        serde_json::from_slice(&out.stderr).expect("the error is one JSON object")
    }
}

/// Two phones that never meet: asha records a story, ben joins by invite;
/// both sync through the relay at `url`.
fn two_phones_through(url: &str, env: &[(&str, &str)]) {
    let asha = Phone::new();
    let ben = Phone::new();
    asha.ok(&["init", "--project", "Leeds listening", "--member", "Asha"], &[]);
    let amira = asha.ok(&["participant", "add", "--name", "Amira"], &[])["id"]
        .as_str()
        .unwrap()
        .to_string();
    asha.ok(
        &[
            "consent",
            "grant",
            "--storyteller",
            &amira,
            "--scope",
            "record",
            "share-in-project",
            "--method",
            "spoken",
        ],
        &[],
    );
    let story = asha.ok(&["story", "add", "--title", "The 42", "--storyteller", &amira], &[])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let invite = asha.ok(&["invite"], &[])["invite"].as_str().unwrap().to_string();
    ben.ok(&["join", &invite, "--member", "Ben"], &[]);

    let up = asha.ok(&["relay", "sync", "--url", url], env);
    let keys: Vec<_> = up.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["bytes_down", "bytes_up", "deleted", "pulled", "pushed"], "{up}");
    assert_eq!(up["pushed"], 3, "project, participant, story: {up}");
    assert!(up["bytes_up"].as_u64().unwrap() > 0);
    let down = ben.ok(&["relay", "sync", "--url", url], env);
    assert!(down["pulled"].as_u64().unwrap() >= 3, "{down}");
    assert!(down["bytes_down"].as_u64().unwrap() > 0);
    assert_eq!(ben.ok(&["story", "show", &story], &[])["title"], "The 42");
    let again = ben.ok(&["relay", "sync", "--url", url], env);
    assert_eq!(
        (
            again["pushed"].as_u64(),
            again["pulled"].as_u64(),
            again["bytes_up"].as_u64()
        ),
        (Some(0), Some(0), Some(0))
    );
}

#[test]
fn relay_sync_through_a_shared_folder_prints_the_exact_json() {
    let folder = tempfile::tempdir().unwrap();
    two_phones_through(&format!("file://{}", folder.path().display()), &[]);
}

#[test]
fn a_relay_url_the_tool_does_not_know_is_invalid_input() {
    let phone = Phone::new();
    phone.ok(&["init", "--project", "P", "--member", "Asha"], &[]);
    for url in [
        "ftp://example.org/x",
        "file://relative/path",
        "s3://?region=x",
        "nonsense",
    ] {
        let err = phone.fails(&["relay", "sync", "--url", url], &[]);
        assert_eq!(err["error"]["kind"], "invalid_input", "{url}: {err}");
    }
}

struct Server {
    script: PathBuf,
    dir: tempfile::TempDir,
    vars: BTreeMap<String, String>,
}

impl Server {
    fn start(name: &str) -> Self {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../tests/servers/{name}.sh"));
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new("bash")
            .arg(&script)
            .arg("start")
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "could not start the {name} relay server: {}\nInstall the test servers with `.ci/install-relay-servers` and run the tests again.",
            String::from_utf8_lossy(&out.stderr)
        );
        let vars = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Self { script, dir, vars }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(&self.script)
            .arg("stop")
            .arg(self.dir.path())
            .status();
    }
}

#[test]
fn relay_sync_through_webdav_with_credentials_from_the_environment() {
    let server = Server::start("webdav");
    let url = &server.vars["URL"];
    let env = [
        ("STORYLOOM_RELAY_USER", server.vars["USER"].as_str()),
        ("STORYLOOM_RELAY_PASSWORD", server.vars["PASSWORD"].as_str()),
    ];
    two_phones_through(url, &env);
    let phone = Phone::new();
    phone.ok(&["init", "--project", "P", "--member", "Asha"], &[]);
    let err = phone.fails(
        &["relay", "sync", "--url", url],
        &[("STORYLOOM_RELAY_USER", "relay"), ("STORYLOOM_RELAY_PASSWORD", "wrong")],
    );
    assert_eq!(err["error"]["kind"], "relay", "{err}");
    let message = err["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("credentials") && message.contains("127.0.0.1"),
        "{message}"
    );
}

#[test]
fn relay_sync_through_s3_with_credentials_from_the_environment() {
    let server = Server::start("s3");
    let env = [
        ("AWS_ACCESS_KEY_ID", server.vars["USER"].as_str()),
        ("AWS_SECRET_ACCESS_KEY", server.vars["PASSWORD"].as_str()),
    ];
    two_phones_through(&server.vars["URL"], &env);
}
