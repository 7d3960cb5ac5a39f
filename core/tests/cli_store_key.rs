//! Black-box tests of the store key on the command line: `--key-file`,
//! `STORYLOOM_KEY`, `store encrypt` and `store rekey`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const PHRASE: &str = "quokkazanzibar";

struct Cli {
    store: PathBuf,
    dir: tempfile::TempDir,
}

impl Cli {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("store").join("phone.storyloom");
        std::fs::create_dir(store.parent().unwrap()).unwrap();
        Self { store, dir }
    }

    /// A key file beside (not inside) the store's folder.
    fn key_file(&self, name: &str, contents: &[u8]) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).unwrap();
        path.to_str().unwrap().to_owned()
    }

    fn run(&self, env_key: Option<&str>, args: &[&str]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_storyloom"));
        command.env_remove("STORYLOOM_KEY");
        if let Some(key) = env_key {
            command.env("STORYLOOM_KEY", key);
        }
        command
            .arg("--store")
            .arg(&self.store)
            .arg("--json")
            .args(args)
            .output()
            .expect("run storyloom")
    }

    fn ok(&self, env_key: Option<&str>, args: &[&str]) -> Value {
        let out = self.run(env_key, args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// The error kind of a command that must fail.
    fn fails(&self, env_key: Option<&str>, args: &[&str]) -> String {
        let out = self.run(env_key, args);
        assert!(!out.status.success(), "{args:?} should have failed");
        let err: Value = serde_json::from_slice(&out.stderr).expect("one JSON error");
        err["error"]["kind"].as_str().unwrap().to_owned()
    }

    /// Writes a story holding PHRASE.
    fn add_story(&self, key_args: &[&str]) -> String {
        let mut args = key_args.to_vec();
        args.extend(["participant", "add", "--name", "Amira"]);
        let amira = self.ok(None, &args)["id"].as_str().unwrap().to_owned();
        let transcript = self.dir.path().join("transcript.txt");
        std::fs::write(&transcript, format!("The {PHRASE} stopped coming.")).unwrap();
        let mut args = key_args.to_vec();
        args.extend(["story", "add", "--title", "The bus", "--storyteller", &amira]);
        args.extend(["--transcript-file", transcript.to_str().unwrap()]);
        self.ok(None, &args)["id"].as_str().unwrap().to_owned()
    }

    fn transcript(&self, env_key: Option<&str>, key_args: &[&str], story: &str) -> String {
        let mut args = key_args.to_vec();
        args.extend(["story", "show", story]);
        self.ok(env_key, &args)["transcript"].as_str().unwrap().to_owned()
    }
}

fn files_hold(dir: &Path, needle: &str) -> bool {
    std::fs::read_dir(dir).unwrap().any(|entry| {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
    })
}

#[test]
fn every_command_opens_an_encrypted_store_with_a_key_file_or_the_environment() {
    let cli = Cli::new();
    let raw = cli.key_file("raw.key", &[0x42; 32]);
    let hex = "42".repeat(32);
    cli.ok(
        None,
        &["--key-file", &raw, "init", "--project", "Housing", "--member", "Asha"],
    );
    let story = cli.add_story(&["--key-file", &raw]);
    assert!(!files_hold(cli.store.parent().unwrap(), PHRASE), "no plaintext on disk");

    // The same key, as 64 hexadecimal characters in the environment or a file.
    assert!(cli.transcript(Some(&hex), &[], &story).contains(PHRASE));
    let hex_file = cli.key_file("hex.key", format!("{hex}\n").as_bytes());
    assert!(
        cli.transcript(None, &["--key-file", &hex_file], &story)
            .contains(PHRASE)
    );

    // Without the key, or with another, the store is refused.
    assert_eq!(cli.fails(None, &["story", "show", &story]), "wrong_store_key");
    let other = cli.key_file("other.key", &[0x43; 32]);
    assert_eq!(
        cli.fails(None, &["--key-file", &other, "story", "show", &story]),
        "wrong_store_key"
    );
    assert_eq!(
        cli.fails(Some(&"43".repeat(32)), &["story", "show", &story]),
        "wrong_store_key"
    );
    // A truncated key file, a key of the wrong length, a bad variable.
    let short = cli.key_file("short.key", &[0x42; 31]);
    assert_eq!(
        cli.fails(None, &["--key-file", &short, "story", "show", &story]),
        "invalid_input"
    );
    assert_eq!(cli.fails(Some(&hex[..62]), &["story", "show", &story]), "invalid_input");
    let missing = cli.dir.path().join("missing.key");
    assert_eq!(
        cli.fails(
            None,
            &["--key-file", missing.to_str().unwrap(), "story", "show", &story]
        ),
        "invalid_input"
    );
}

#[test]
fn store_encrypt_then_store_rekey_on_the_command_line() {
    let cli = Cli::new();
    cli.ok(None, &["init", "--project", "Housing", "--member", "Asha"]);
    let story = cli.add_story(&[]);
    let folder = cli.store.parent().unwrap().to_path_buf();
    assert!(
        files_hold(&folder, PHRASE),
        "a plaintext store shows the phrase (the scan works)"
    );
    let first = cli.key_file("first.key", &[0x01; 32]);
    let second = cli.key_file("second.key", "02".repeat(32).as_bytes());

    assert_eq!(cli.fails(None, &["store", "encrypt"]), "invalid_input", "no key given");
    assert_eq!(
        cli.ok(None, &["store", "encrypt", "--key-file", &first]),
        serde_json::json!({"encrypted": true})
    );
    assert!(!files_hold(&folder, PHRASE), "no plaintext copy is left");
    assert_eq!(cli.fails(None, &["story", "show", &story]), "wrong_store_key");
    assert!(cli.transcript(None, &["--key-file", &first], &story).contains(PHRASE));
    // Encrypting twice is refused: the store already has a key.
    assert_eq!(
        cli.fails(None, &["store", "encrypt", "--key-file", &first]),
        "wrong_store_key"
    );

    assert_eq!(
        cli.ok(
            None,
            &["--key-file", &first, "store", "rekey", "--new-key-file", &second]
        ),
        serde_json::json!({"rekeyed": true})
    );
    assert_eq!(
        cli.fails(None, &["--key-file", &first, "story", "show", &story]),
        "wrong_store_key"
    );
    assert!(cli.transcript(None, &["--key-file", &second], &story).contains(PHRASE));
    // A rekey with the wrong old key changes nothing.
    assert_eq!(
        cli.fails(
            None,
            &["--key-file", &first, "store", "rekey", "--new-key-file", &first]
        ),
        "wrong_store_key"
    );
    assert!(cli.transcript(Some(&"02".repeat(32)), &[], &story).contains(PHRASE));
}
