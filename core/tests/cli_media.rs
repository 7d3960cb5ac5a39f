//! Black-box tests of `storyloom media …`: the command names and JSON
//! shapes of issue 9 are a contract scripts rely on.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

struct Cli {
    store: PathBuf,
    _dir: tempfile::TempDir,
}

impl Cli {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self {
            store: dir.path().join("phone.storyloom"),
            _dir: dir,
        }
    }

    fn dir(&self) -> &Path {
        self.store.parent().unwrap()
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_storyloom"))
            .arg("--store")
            .arg(&self.store)
            .arg("--json")
            .args(args)
            .output()
            .expect("run storyloom")
    }

    fn ok(&self, args: &[&str]) -> Value {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("one JSON document")
    }

    fn fails(&self, args: &[&str]) -> Value {
        let out = self.run(args);
        assert!(!out.status.success(), "{args:?} should have failed");
        assert!(out.stdout.is_empty(), "nothing on stdout when failing");
        serde_json::from_slice(&out.stderr).expect("the error is one JSON object")
    }
}

fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

#[test]
fn a_recording_is_added_listed_exported_and_removed_from_the_command_line() {
    let cli = Cli::new();
    cli.ok(&["init", "--project", "Leeds listening", "--member", "Asha"]);
    let amira = cli.ok(&["participant", "add", "--name", "Amira"])["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let story = cli.ok(&["story", "add", "--title", "The 42", "--storyteller", &amira])["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let recording: Vec<u8> = (0..(1 << 20) + 4321u32).map(|i| (i * 31 % 251) as u8).collect();
    let file = cli.dir().join("interview.ogg");
    std::fs::write(&file, &recording).unwrap();
    let file = file.to_str().unwrap();

    // Without keep-media consent: refused, naming the scope.
    let refused = cli.fails(&["media", "add", &story, file, "--kind", "audio"]);
    assert_eq!(refused["error"]["kind"], "consent_required");
    assert!(refused["error"]["message"].as_str().unwrap().contains("keep-media"));

    cli.ok(&[
        "consent",
        "grant",
        "--storyteller",
        &amira,
        "--scope",
        "record",
        "keep-media",
        "--method",
        "spoken",
    ]);
    let added = cli.ok(&[
        "media",
        "add",
        &story,
        file,
        "--kind",
        "audio",
        "--mime",
        "audio/ogg",
        "--caption",
        "At the depot",
        "--duration-ms",
        "61000",
    ]);
    assert_eq!(keys(&added), ["id", "kind", "size"]);
    assert_eq!(added["size"], json!(recording.len()));
    assert_eq!(added["kind"], "audio");
    let id = added["id"].as_str().unwrap().to_owned();

    let listed = cli.ok(&["media", "list", &story]);
    assert_eq!(keys(&listed), ["media"]);
    let item = &listed["media"][0];
    assert_eq!(keys(item), ["caption", "id", "kind", "mime", "present", "size"]);
    assert_eq!(
        item,
        &json!({"id": id, "kind": "audio", "mime": "audio/ogg", "size": recording.len(),
                "caption": "At the depot", "present": true})
    );

    let out = cli.dir().join("copy.ogg");
    let out_str = out.to_str().unwrap();
    cli.ok(&["media", "export", &id, "--out", out_str]);
    assert!(std::fs::read(&out).unwrap() == recording);
    // Never over an existing file without --force, never over the store.
    assert_eq!(
        cli.fails(&["media", "export", &id, "--out", out_str])["error"]["kind"],
        "invalid_input"
    );
    cli.ok(&["media", "export", &id, "--out", out_str, "--force"]);
    let store = cli.store.to_str().unwrap().to_owned();
    assert_eq!(
        cli.fails(&["media", "export", &id, "--out", &store, "--force"])["error"]["kind"],
        "invalid_input"
    );

    assert_eq!(
        cli.fails(&["media", "add", &story, file, "--kind", "hologram"])["error"]["kind"],
        "invalid_input"
    );
    cli.ok(&["media", "remove", &story, &id]);
    assert_eq!(cli.ok(&["media", "list", &story]), json!({"media": []}));
    assert_eq!(
        cli.fails(&["media", "remove", &story, &id])["error"]["kind"],
        "not_found"
    );
}
