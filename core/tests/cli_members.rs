//! `storyloom member …` as a coordinator uses it: listing, removing a
//! member, removing one lost device, and what a removed phone then sees.

use std::path::PathBuf;
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
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn fails(&self, args: &[&str]) -> Value {
        let out = self.run(args);
        assert!(!out.status.success(), "{args:?} should have failed");
        serde_json::from_slice(&out.stderr).expect("the error is one JSON object")
    }

    fn member(&self, name: &str) -> Value {
        let listed = self.ok(&["member", "list"]);
        listed["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name} is not listed: {listed}"))
    }
}

fn sync(a: &Cli, b: &Cli) -> Output {
    Command::new(env!("CARGO_BIN_EXE_storyloom"))
        .args(["--json", "sync"])
        .arg(&a.store)
        .arg(&b.store)
        .output()
        .unwrap()
}

fn synced(a: &Cli, b: &Cli) {
    let out = sync(a, b);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Asha founds the project; Ben and Cara join from her invite.
fn group() -> (Cli, Cli, Cli) {
    let (asha, ben, cara) = (Cli::new(), Cli::new(), Cli::new());
    asha.ok(&["init", "--project", "Leeds listening", "--member", "Asha"]);
    let invite = asha.ok(&["invite"])["invite"].as_str().unwrap().to_owned();
    ben.ok(&["join", &invite, "--member", "Ben", "--role", "reporter"]);
    cara.ok(&["join", &invite, "--member", "Cara", "--role", "reporter"]);
    synced(&asha, &ben);
    synced(&asha, &cara);
    synced(&asha, &ben);
    (asha, ben, cara)
}

#[test]
fn a_coordinator_removes_a_member_and_the_removed_phone_is_refused() {
    let (asha, ben, cara) = group();
    assert_eq!(asha.member("Asha")["role"], "coordinator", "the founder");
    let cara_id = cara.member("Cara")["id"].as_str().unwrap().to_owned();

    // Ben is a reporter: he cannot remove anyone.
    let refused = ben.fails(&["member", "remove", &cara_id]);
    assert_eq!(refused["error"]["kind"], "invalid_input");

    let removed = asha.ok(&["member", "remove", &cara_id]);
    assert_eq!(removed["removed"], cara_id.as_str());
    let listed = asha.member("Cara");
    assert_eq!(listed["removed"], true);
    assert_eq!(listed["devices"], serde_json::json!([]));
    assert_eq!(asha.member("Ben")["removed"], false);

    synced(&asha, &ben);
    assert_eq!(ben.member("Cara")["removed"], true, "Ben learns of it from Asha");
    let out = sync(&cara, &ben);
    assert!(!out.status.success(), "Cara's phone must be refused");
    let error: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(error["error"]["kind"], "sync_rejected", "{error}");
    assert!(
        error["error"]["message"].as_str().unwrap().contains("removed"),
        "{error}"
    );
}

#[test]
fn a_coordinator_removes_one_lost_device_and_its_member_stays() {
    let (asha, ben, _cara) = group();
    let device = ben.member("Ben")["devices"][0].as_str().unwrap().to_owned();
    let out = asha.ok(&["member", "remove-device", &device]);
    assert_eq!(out["removed_device"], device.as_str());
    let listed = asha.member("Ben");
    assert_eq!(listed["removed"], false);
    assert_eq!(listed["devices"], serde_json::json!([]));
    assert_eq!(
        asha.fails(&["member", "remove-device", &device])["error"]["kind"],
        "invalid_input",
        "already removed"
    );
}

#[test]
fn a_coordinator_gives_a_role_and_the_new_coordinator_can_remove() {
    let (asha, ben, cara) = group();
    let ben_id = ben.member("Ben")["id"].as_str().unwrap().to_owned();
    let cara_id = cara.member("Cara")["id"].as_str().unwrap().to_owned();
    let out = asha.ok(&["member", "role", &ben_id, "coordinator"]);
    assert_eq!(out["role"], "coordinator");
    synced(&asha, &ben);
    assert_eq!(ben.member("Ben")["role"], "coordinator");
    ben.ok(&["member", "remove", &cara_id]);
    synced(&ben, &asha);
    assert_eq!(asha.member("Cara")["removed"], true);
    assert_eq!(
        asha.fails(&["member", "remove", "not-a-member"])["error"]["kind"],
        "invalid_input"
    );
}
