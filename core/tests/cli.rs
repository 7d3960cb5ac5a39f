//! Black-box tests of the `storyloom` command line, as a script would use it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

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

    /// Runs a command that must succeed and returns its one JSON document.
    fn ok(&self, args: &[&str]) -> Value {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{args:?} printed no single JSON document ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    /// Runs a command that must fail and returns the JSON error from stderr.
    fn fails(&self, args: &[&str]) -> Value {
        let out = self.run(args);
        assert!(!out.status.success(), "{args:?} should have failed");
        assert!(out.stdout.is_empty(), "nothing on stdout when failing");
        serde_json::from_slice(&out.stderr).expect("the error is one JSON object")
    }
}

fn id(value: &Value) -> String {
    value["id"].as_str().expect("an id").to_owned()
}

#[test]
fn a_field_session_through_the_command_line() {
    let cli = Cli::new();
    let init = cli.ok(&["init", "--project", "Leeds listening", "--member", "Asha"]);
    assert!(init["project_id"].is_string() && init["member_id"].is_string());

    let amira = id(&cli.ok(&[
        "participant",
        "add",
        "--name",
        "Amira",
        "--pseudonym",
        "A.",
        "--badge",
        "yellow",
        "--adjustment",
        "easy-read",
        "--adjustment",
        "sign-language-interpreter:bfi",
    ]));
    let shown = cli.ok(&["participant", "show", &amira]);
    assert_eq!(shown["badge"], "yellow");
    assert_eq!(shown["adjustments"].as_array().unwrap().len(), 2);
    cli.ok(&["participant", "badge", &amira, "red"]);
    assert_eq!(cli.ok(&["participant", "show", &amira])["badge"], "red");

    let transcript = cli.dir().join("transcript.txt");
    std::fs::write(
        &transcript,
        "The library was the only warm place. Café 😀 closed at four.",
    )
    .unwrap();
    let story = id(&cli.ok(&[
        "story",
        "add",
        "--title",
        "Warm places",
        "--storyteller",
        &amira,
        "--transcript-file",
        transcript.to_str().unwrap(),
        "--tag",
        "Public spaces",
        "--language",
        "en-GB",
    ]));
    let shown = cli.ok(&["story", "show", &story]);
    assert_eq!(shown["id"], story.as_str());
    assert_eq!(shown["title"], "Warm places");
    assert_eq!(shown["status"], "draft");
    assert_eq!(shown["tags"], serde_json::json!(["public spaces"]));
    assert!(shown["transcript"].as_str().unwrap().contains("Café 😀"));

    std::fs::write(
        &transcript,
        "The library was the only warm place. Café 😀 closed at five.",
    )
    .unwrap();
    cli.ok(&[
        "story",
        "edit",
        &story,
        "--title",
        "Warm places, cold streets",
        "--transcript-file",
        transcript.to_str().unwrap(),
        "--add-tag",
        "winter",
        "--remove-tag",
        "public spaces",
    ]);
    let shown = cli.ok(&["story", "show", &story]);
    assert_eq!(shown["title"], "Warm places, cold streets");
    assert_eq!(shown["tags"], serde_json::json!(["winter"]));
    assert!(
        shown["transcript"]
            .as_str()
            .unwrap()
            .ends_with("closed at five.")
    );

    let other = id(&cli.ok(&[
        "story",
        "add",
        "--title",
        "Buses",
        "--storyteller",
        &amira,
        "--tag",
        "transport",
    ]));
    let all = cli.ok(&["story", "list"]);
    assert_eq!(all["stories"].as_array().unwrap().len(), 2);
    let transport = cli.ok(&["story", "list", "--tag", "transport", "--limit", "10"]);
    assert_eq!(transport["stories"].as_array().unwrap().len(), 1);
    assert_eq!(transport["stories"][0]["id"], other.as_str());
    assert_eq!(
        cli.ok(&["story", "list", "--limit", "1"])["stories"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let results = cli.ok(&["search", "library"]);
    let results = results["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["id"], story.as_str());
    assert_eq!(results[0]["title"], "Warm places, cold streets");
    assert!(
        results[0]["snippet"]
            .as_str()
            .unwrap()
            .contains("[library]")
    );
}

#[test]
fn errors_are_one_json_object_on_stderr_with_a_kind() {
    let cli = Cli::new();
    cli.ok(&["init", "--project", "P", "--member", "M"]);
    assert_eq!(
        cli.fails(&["story", "show", "not-an-id"])["error"]["kind"],
        "invalid_input"
    );
    let missing = cli.fails(&["story", "show", "01a2140a-1f35-70dc-9bee-556149f20b83"]);
    assert_eq!(missing["error"]["kind"], "not_found");
    assert_eq!(
        cli.fails(&["participant", "add", "--name", "X", "--badge", "blue"])["error"]["kind"],
        "invalid_input"
    );
    assert_eq!(
        cli.fails(&["story", "add", "--title", " "])["error"]["kind"],
        "invalid_input"
    );
    assert_eq!(cli.fails(&["no-such-command"])["error"]["kind"], "usage");
}

#[test]
fn a_file_that_is_not_a_store_is_refused() {
    let cli = Cli::new();
    std::fs::write(&cli.store, "just some text").unwrap();
    assert_eq!(
        cli.fails(&["story", "list"])["error"]["kind"],
        "not_a_store"
    );
    assert_eq!(
        std::fs::read_to_string(&cli.store).unwrap(),
        "just some text"
    );
}
