//! What a command prints: one JSON document, or text for people.

use serde_json::Value;
use storyloom::Error;

pub struct Output {
    json: Value,
    text: String,
}

impl Output {
    pub fn new(json: Value, text: impl Into<String>) -> Self {
        Self {
            json,
            text: text.into(),
        }
    }

    pub fn print(&self, as_json: bool) {
        if as_json {
            println!("{}", self.json);
        } else if !self.text.is_empty() {
            println!("{}", self.text);
        }
    }
}

pub fn json_error(err: serde_json::Error) -> Error {
    Error::Storage(format!("could not write JSON: {err}"))
}
