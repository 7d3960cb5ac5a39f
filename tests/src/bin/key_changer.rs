//! Encrypts a store in place or changes its key, for the crash test that
//! kills it at random moments. Prints `done` once the change returned.
//!
//! Usage:
//!   key-changer encrypt STORE NEW_KEY_HEX
//!   key-changer rekey STORE OLD_KEY_HEX NEW_KEY_HEX

use std::io::Write;

use storyloom::{Store, StoreKey};

fn key(hex: &str) -> StoreKey {
    StoreKey::from_hex(hex).expect("a 64-character hexadecimal key")
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let result = match args.get(1).map(String::as_str) {
        Some("encrypt") if args.len() == 4 => Store::encrypt(&args[2], &key(&args[3])),
        Some("rekey") if args.len() == 5 => Store::rekey(&args[2], &key(&args[3]), &key(&args[4])),
        _ => {
            eprintln!("usage: see the module documentation");
            std::process::exit(2);
        }
    };
    match result {
        Ok(()) => {
            let mut out = std::io::stdout().lock();
            writeln!(out, "done").expect("stdout");
            out.flush().expect("flush");
        }
        Err(err) => {
            eprintln!("{err}");
            std::process::exit(1);
        }
    }
}
