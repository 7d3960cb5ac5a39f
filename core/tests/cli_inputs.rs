//! Black-box tests of what the command line does with careless or hostile
//! input: files it must not write over, stores that do not exist, files too
//! big to read, invites typed wrongly, spreadsheet formulas in exports.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

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

    fn founded() -> Self {
        let cli = Self::new();
        cli.ok(&["init", "--project", "Leeds listening", "--member", "Asha"]);
        cli
    }

    fn dir(&self) -> &Path {
        self.store.parent().unwrap()
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_storyloom"));
        command.arg("--store").arg(&self.store).arg("--json").args(args);
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run storyloom")
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

    /// The JSON error of a command that must fail.
    fn fails(&self, args: &[&str]) -> Value {
        let out = self.run(args);
        assert!(!out.status.success(), "{args:?} should have failed");
        assert!(out.stdout.is_empty(), "nothing on stdout when failing");
        serde_json::from_slice(&out.stderr).expect("the error is one JSON object")
    }

    fn side_file(&self, suffix: &str) -> PathBuf {
        PathBuf::from(format!("{}{suffix}", self.store.display()))
    }
}

fn kind_and_message(err: &Value) -> (String, String) {
    (
        err["error"]["kind"].as_str().unwrap().to_owned(),
        err["error"]["message"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn bundle_export_never_writes_over_the_store_or_its_side_files_even_with_force() {
    let cli = Cli::founded();
    let stories_before = cli.ok(&["project"]);
    for target in [cli.store.clone(), cli.side_file("-wal"), cli.side_file("-shm")] {
        for force in [false, true] {
            let mut args = vec!["bundle", "export", "--out", target.to_str().unwrap()];
            if force {
                args.push("--force");
            }
            let (kind, message) = kind_and_message(&cli.fails(&args));
            assert_eq!(kind, "invalid_input", "{target:?}");
            assert!(message.contains("out") && message.contains("store"), "{message}");
        }
    }
    // Also through another spelling of the same path.
    let dotted = cli.dir().join(".").join("phone.storyloom");
    assert_eq!(
        cli.fails(&["bundle", "export", "--out", dotted.to_str().unwrap(), "--force"])["error"]["kind"],
        "invalid_input"
    );
    assert_eq!(
        cli.ok(&["project"]),
        stories_before,
        "the store still opens and holds its project"
    );
}

#[test]
fn bundle_export_replaces_an_existing_file_only_with_force() {
    let cli = Cli::founded();
    let file = cli.dir().join("notes.txt");
    std::fs::write(&file, "my notes").unwrap();
    let (kind, message) = kind_and_message(&cli.fails(&["bundle", "export", "--out", file.to_str().unwrap()]));
    assert_eq!(kind, "invalid_input");
    assert!(
        message.contains("--force") || message.contains("overwrite"),
        "{message}"
    );
    assert_eq!(std::fs::read(&file).unwrap(), b"my notes");

    let written = cli.ok(&["bundle", "export", "--out", file.to_str().unwrap(), "--force"]);
    assert_eq!(
        std::fs::metadata(&file).unwrap().len(),
        written["bytes"].as_u64().unwrap()
    );
}

#[test]
fn export_into_a_folder_holding_files_needs_force_and_never_targets_the_store() {
    let cli = Cli::founded();
    let folder = cli.dir().join("export");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("keep.txt"), "mine").unwrap();
    assert_eq!(
        cli.fails(&["export", "--out", folder.to_str().unwrap()])["error"]["kind"],
        "invalid_input"
    );
    assert!(!folder.join("manifest.json").exists(), "nothing written");
    cli.ok(&["export", "--out", folder.to_str().unwrap(), "--force"]);
    assert!(folder.join("manifest.json").exists());

    let store = cli.store.to_str().unwrap();
    assert_eq!(
        cli.fails(&["export", "--out", store, "--force"])["error"]["kind"],
        "invalid_input"
    );
    cli.ok(&["project"]);
}

#[test]
fn commands_on_a_store_that_does_not_exist_are_not_found_and_create_nothing() {
    let cli = Cli::new();
    let other = cli.dir().join("other.storyloom");
    let elsewhere = cli.dir().join("b.bundle");
    std::fs::write(&elsewhere, b"x").unwrap();
    let out = cli.dir().join("out");
    let commands: Vec<Vec<&str>> = vec![
        vec!["project"],
        vec!["story", "list"],
        vec!["story", "show", "0190a0a0-0000-7000-8000-000000000000"],
        vec!["participant", "list"],
        vec!["search", "bus"],
        vec!["theme", "Reliability"],
        vec!["invite"],
        vec!["leave"],
        vec![
            "consent",
            "receipt",
            "--storyteller",
            "0190a0a0-0000-7000-8000-000000000000",
        ],
        vec!["export", "--out", out.to_str().unwrap()],
        vec!["bundle", "export", "--out", out.to_str().unwrap()],
        vec!["bundle", "import", elsewhere.to_str().unwrap()],
        vec!["sync", cli.store.to_str().unwrap(), other.to_str().unwrap()],
    ];
    for args in commands {
        let (kind, _) = kind_and_message(&cli.fails(&args));
        assert_eq!(kind, "not_found", "{args:?}");
        assert!(!cli.store.exists(), "{args:?} created the store");
        assert!(!other.exists() && !out.exists(), "{args:?} created a file");
        assert!(!cli.side_file("-wal").exists() && !cli.side_file("-shm").exists());
    }
}

/// Runs `args` and kills it if it has not finished within `limit`.
fn run_with_deadline(cli: &Cli, args: &[&str], limit: Duration) -> Output {
    let mut child = cli
        .command(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            child.kill().unwrap();
            panic!("{args:?} was still reading after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn an_endless_transcript_file_is_refused_after_the_limit() {
    let cli = Cli::founded();
    let before = std::fs::read(&cli.store).unwrap();
    let out = run_with_deadline(
        &cli,
        &["story", "add", "--title", "Endless", "--transcript-file", "/dev/zero"],
        Duration::from_secs(60),
    );
    assert!(!out.status.success());
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["kind"], "invalid_input");
    assert!(err["error"]["message"].as_str().unwrap().contains("transcript_file"));
    assert!(err["error"]["message"].as_str().unwrap().contains("limit"));
    assert_eq!(cli.ok(&["story", "list"])["stories"].as_array().map(Vec::len), Some(0));
    let _ = before;
}

#[test]
fn the_transcript_reader_stops_at_the_limit_plus_one_byte() {
    // A pipe whose writer counts what the CLI took: at most the limit plus
    // one byte, plus what the pipe buffers (64 KiB on Linux).
    let cli = Cli::founded();
    let fifo = cli.dir().join("transcript.fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let limit = storyloom::text::MAX_TEXT_BYTES as u64;
    let offered = limit + 8 * 1024 * 1024;
    let writer_path = fifo.clone();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        let mut pipe = std::fs::OpenOptions::new().write(true).open(writer_path).unwrap();
        let chunk = vec![b'a'; 4096];
        let mut sent = 0u64;
        while sent < offered {
            match pipe.write(&chunk) {
                Ok(n) => sent += n as u64,
                Err(_) => break, // the reader closed the pipe
            }
        }
        sent
    });
    let out = run_with_deadline(
        &cli,
        &[
            "story",
            "add",
            "--title",
            "Piped",
            "--transcript-file",
            fifo.to_str().unwrap(),
        ],
        Duration::from_secs(60),
    );
    let sent = writer.join().unwrap();
    assert!(!out.status.success());
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert!(
        err["error"]["message"].as_str().unwrap().contains("transcript_file"),
        "{err}"
    );
    assert!(
        sent <= limit + 1 + 256 * 1024,
        "the CLI read {sent} bytes (limit {limit})"
    );
}

#[test]
fn a_bundle_file_that_never_ends_is_refused_after_the_limit() {
    let cli = Cli::founded();
    let out = run_with_deadline(&cli, &["bundle", "import", "/dev/zero"], Duration::from_secs(120));
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["kind"], "invalid_input", "{err}");
    assert!(err["error"]["message"].as_str().unwrap().contains("limit"));
}

#[test]
fn mistyped_old_and_empty_invites_are_refused_at_join_and_create_nothing_usable() {
    let asha = Cli::founded();
    let invite = asha.ok(&["invite"])["invite"].as_str().unwrap().to_owned();
    let mut typo: Vec<char> = invite.chars().collect();
    let at = typo.len() - 5;
    typo[at] = if typo[at] == 'x' { 'y' } else { 'x' };
    let typo: String = typo.into_iter().collect();
    let cut = &invite[..invite.len() - 3];
    let longer = format!("{invite}Q");
    for (name, bad) in [("typo", typo.as_str()), ("cut", cut), ("extended", longer.as_str())] {
        let ben = Cli::new();
        let (kind, message) = kind_and_message(&ben.fails(&["join", bad, "--member", "Ben"]));
        assert_eq!(kind, "invalid_input", "{name}");
        assert!(message.contains("mistyped"), "{name}: {message}");
    }
    let ben = Cli::new();
    let zeros = format!("storyloom:1:{}", "A".repeat(88));
    let (kind, message) = kind_and_message(&ben.fails(&["join", &zeros, "--member", "Ben"]));
    assert_eq!(kind, "invalid_input");
    assert!(message.contains("new invite"), "{message}");
}

#[test]
fn a_joined_project_can_be_left_and_joined_again() {
    let asha = Cli::founded();
    let project = asha.ok(&["project"])["id"].as_str().unwrap().to_owned();
    let invite = asha.ok(&["invite"])["invite"].as_str().unwrap().to_owned();
    let ben = Cli::new();
    let joined = ben.ok(&["join", &invite, "--member", "Ben"]);
    assert_eq!(joined["project_id"], project.as_str());
    assert_eq!(
        ben.fails(&["leave"])["error"]["kind"],
        "invalid_input",
        "the project must be named"
    );
    assert_eq!(ben.ok(&["--project", &project, "leave"])["left"], project.as_str());
    assert_eq!(
        ben.fails(&["--project", &project, "leave"])["error"]["kind"],
        "not_found"
    );
    ben.ok(&["join", &invite, "--member", "Ben"]);
    ben.ok(&["sync", asha.store.to_str().unwrap(), ben.store.to_str().unwrap()]);
    assert_eq!(ben.ok(&["project"])["members"].as_array().unwrap().len(), 2);
    assert_eq!(asha.ok(&["project"])["members"].as_array().unwrap().len(), 2);
    // Once the project's stories are here, leaving would drop them: refused.
    assert_eq!(ben.fails(&["leave"])["error"]["kind"], "invalid_input");
}

#[test]
fn csv_export_cells_never_run_as_formulas_and_keep_their_value() {
    let cli = Cli::founded();
    let amira = cli.ok(&["participant", "add", "--name", "Amira"])["id"]
        .as_str()
        .unwrap()
        .to_owned();
    cli.ok(&[
        "consent",
        "grant",
        "--storyteller",
        &amira,
        "--scope",
        "record",
        "transcribe",
        "research",
        "--method",
        "spoken",
    ]);
    // Titles are trimmed, so tab and carriage return lead transcripts instead.
    let hostile = [
        ("=HYPERLINK(\"http://x.invalid\",\"click\")", "\tTabbed"),
        ("+1+cmd|' /C calc'!A0", "\rReturned"),
        ("-2+3", "=1+1 said the driver"),
        ("@SUM(A1:A2)", "-minus"),
    ];
    for (i, (title, transcript)) in hostile.iter().enumerate() {
        let file = cli.dir().join(format!("t{i}.txt"));
        std::fs::write(&file, transcript).unwrap();
        let title = format!("--title={title}");
        cli.ok(&[
            "story",
            "add",
            &title,
            "--storyteller",
            &amira,
            "--summary",
            "@me",
            "--transcript-file",
            file.to_str().unwrap(),
        ]);
    }
    let out = cli.dir().join("csv");
    cli.ok(&["export", "--out", out.to_str().unwrap(), "--format", "csv"]);
    let csv = out.join("stories.csv");
    let script = r#"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')))
print(json.dumps([[r["title"], r["summary"], r["transcript"]] for r in rows]))
"#;
    let python = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&csv)
        .output()
        .expect("python3");
    assert!(python.status.success(), "{}", String::from_utf8_lossy(&python.stderr));
    let rows: Vec<Vec<String>> = serde_json::from_slice(&python.stdout).unwrap();
    assert_eq!(rows.len(), hostile.len());
    let dangerous = ['=', '+', '-', '@', '\t', '\r'];
    let mut recovered = Vec::new();
    for row in &rows {
        for cell in row {
            assert!(!cell.starts_with(dangerous), "{cell:?} would run as a formula");
            assert!(cell.starts_with('\''), "{cell:?} keeps its value behind one quote");
        }
        assert_eq!(row[1], "'@me");
        recovered.push((row[0][1..].to_owned(), row[2][1..].to_owned()));
    }
    recovered.sort();
    let mut expected: Vec<(String, String)> = hostile.iter().map(|(t, x)| (t.to_string(), x.to_string())).collect();
    expected.sort();
    assert_eq!(recovered, expected, "stripping the one quote gives back every value");
}
