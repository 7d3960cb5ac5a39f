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
    assert!(shown["transcript"].as_str().unwrap().ends_with("closed at five."));

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
    assert!(results[0]["snippet"].as_str().unwrap().contains("[library]"));
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
    assert_eq!(cli.fails(&["story", "list"])["error"]["kind"], "not_a_store");
    assert_eq!(std::fs::read_to_string(&cli.store).unwrap(), "just some text");
}

#[test]
fn consent_withdrawal_erasure_and_export_through_the_command_line() {
    let cli = Cli::new();
    cli.ok(&["init", "--project", "Leeds listening", "--member", "Asha"]);
    let amira = id(&cli.ok(&["participant", "add", "--name", "Amira", "--pseudonym", "A."]));
    let bilal = id(&cli.ok(&["participant", "add", "--name", "Bilal"]));
    let kept = id(&cli.ok(&["story", "add", "--title", "Kept", "--storyteller", &amira]));
    let erased = id(&cli.ok(&["story", "add", "--title", "Erased", "--storyteller", &amira]));
    let unconsented = id(&cli.ok(&["story", "add", "--title", "No consent", "--storyteller", &bilal]));

    let grant = cli.ok(&[
        "consent",
        "grant",
        "--storyteller",
        &amira,
        "--scope",
        "record",
        "transcribe",
        "research",
        "--scope",
        "use-quotes",
        "--method",
        "easy-read",
        "--expires",
        "2099-01-01T00:00:00Z",
    ]);
    assert!(grant["id"].is_string());
    let shown = cli.ok(&["consent", "show", "--storyteller", &amira]);
    assert_eq!(
        shown["effective"],
        serde_json::json!(["record", "transcribe", "use-quotes", "research"])
    );
    assert_eq!(shown["records"].as_array().unwrap().len(), 1);

    let withdrawal = cli.ok(&[
        "consent",
        "withdraw",
        "--storyteller",
        &amira,
        "--story",
        &erased,
        "--erase",
    ]);
    assert!(withdrawal["id"].is_string());
    assert_eq!(cli.fails(&["story", "show", &erased])["error"]["kind"], "erased");
    let on_story = cli.ok(&["consent", "show", "--storyteller", &amira, "--story", &erased]);
    assert_eq!(on_story["effective"], serde_json::json!([]));

    let receipt = cli.ok(&["consent", "receipt", "--storyteller", &amira]);
    assert_eq!(receipt["version"], "KI-CR-v1.1.0");
    assert_eq!(receipt["collectionMethod"], "easy-read");

    let out = cli.dir().join("export");
    let report = cli.ok(&["export", "--out", out.to_str().unwrap(), "--format", "json"]);
    assert_eq!(report["exported"], 1);
    let withheld = report["withheld"].as_array().unwrap();
    assert_eq!(withheld.len(), 1);
    assert_eq!(withheld[0]["id"], unconsented.as_str());
    assert!(withheld[0]["reason"].as_str().unwrap().contains("research"));
    let story: Value =
        serde_json::from_slice(&std::fs::read(out.join(format!("stories/{kept}.json"))).unwrap()).unwrap();
    assert_eq!(story["title"], "Kept");
    assert_eq!(story["storytellers"][0]["shown_as"], "A.", "pseudonym by default");
    let csv_out = cli.dir().join("csv");
    assert_eq!(
        cli.ok(&["export", "--out", csv_out.to_str().unwrap(), "--format", "csv"])["exported"],
        1
    );
    assert!(
        std::fs::read_to_string(csv_out.join("stories.csv"))
            .unwrap()
            .contains("Kept")
    );

    assert_eq!(
        cli.fails(&[
            "consent",
            "grant",
            "--storyteller",
            &amira,
            "--scope",
            "everything",
            "--method",
            "spoken"
        ])["error"]["kind"],
        "invalid_input"
    );
    assert_eq!(
        cli.fails(&[
            "consent",
            "grant",
            "--storyteller",
            &amira,
            "--scope",
            "research",
            "--method",
            "spoken",
            "--expires",
            "2001-01-01T00:00:00Z"
        ])["error"]["kind"],
        "invalid_input"
    );
}

#[test]
fn invite_join_sync_and_bundles_through_the_command_line() {
    let asha = Cli::new();
    let ben = Cli::new();
    asha.ok(&["init", "--project", "Leeds listening", "--member", "Asha"]);
    let amira = id(&asha.ok(&["participant", "add", "--name", "Amira", "--badge", "red"]));
    asha.ok(&[
        "consent",
        "grant",
        "--storyteller",
        &amira,
        "--scope",
        "record",
        "share-in-project",
        "--method",
        "spoken",
    ]);
    let story = id(&asha.ok(&[
        "story",
        "add",
        "--title",
        "The 42",
        "--storyteller",
        &amira,
        "--tag",
        "transport",
    ]));

    let invite = asha.ok(&["invite"])["invite"].as_str().unwrap().to_owned();
    assert!(invite.starts_with("storyloom:2:"));
    let joined = ben.ok(&["join", &invite, "--member", "Ben"]);
    assert!(joined["project_id"].is_string() && joined["member_id"].is_string());

    let out = Command::new(env!("CARGO_BIN_EXE_storyloom"))
        .args(["--json", "sync"])
        .arg(&asha.store)
        .arg(&ben.store)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    for field in [
        "round_trips",
        "messages",
        "bytes_a_to_b",
        "bytes_b_to_a",
        "documents_changed",
    ] {
        assert!(report[field].as_u64().is_some(), "{field} in {report}");
    }
    assert!(report["round_trips"].as_u64().unwrap() <= 4);
    assert_eq!(ben.ok(&["story", "show", &story])["title"], "The 42");
    assert_eq!(ben.ok(&["participant", "show", &amira])["badge"], "red");

    // Bundles: Ben edits, carries a bundle to Asha on a USB stick.
    ben.ok(&["story", "edit", &story, "--add-tag", "winter"]);
    let file = ben.dir().join("for-asha.bundle");
    ben.ok(&["bundle", "export", "--out", file.to_str().unwrap()]);
    let imported = asha.ok(&["bundle", "import", file.to_str().unwrap()]);
    assert!(imported["documents_changed"].as_u64().unwrap() >= 1);
    assert_eq!(
        asha.ok(&["story", "show", &story])["tags"],
        serde_json::json!(["transport", "winter"])
    );
    assert_eq!(
        asha.ok(&["bundle", "import", file.to_str().unwrap()])["documents_changed"],
        0
    );

    assert_eq!(
        ben.fails(&["join", "storyloom:2:nonsense", "--member", "X"])["error"]["kind"],
        "invalid_input"
    );
    std::fs::write(&file, b"garbage").unwrap();
    assert_eq!(
        asha.fails(&["bundle", "import", file.to_str().unwrap()])["error"]["kind"],
        "sync_rejected"
    );
}

#[test]
fn member_list_shows_each_member_with_the_devices_enrolled_in_the_project() {
    let asha = Cli::new();
    let ben = Cli::new();
    asha.ok(&["init", "--project", "Leeds listening", "--member", "Asha"]);
    let invite = asha.ok(&["invite"])["invite"].as_str().unwrap().to_owned();
    ben.ok(&["join", &invite, "--member", "Ben"]);
    let out = Command::new(env!("CARGO_BIN_EXE_storyloom"))
        .args(["--json", "sync"])
        .arg(&asha.store)
        .arg(&ben.store)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    for phone in [&asha, &ben] {
        let listed = phone.ok(&["member", "list"]);
        let members = listed["members"].as_array().unwrap();
        let names: Vec<&str> = members.iter().map(|m| m["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Asha", "Ben"]);
        for member in members {
            let keys: Vec<&String> = member.as_object().unwrap().keys().collect();
            assert_eq!(keys, ["devices", "id", "name", "removed", "role"]);
            assert_eq!(member["devices"].as_array().unwrap().len(), 1, "{member}");
            assert_eq!(member["removed"], false);
            assert!(member["role"].is_string() && member["id"].is_string());
        }
    }
}
