//! `prefix` and `suffix`, with their `equals-ignore-case` forms:
//! `{"prefix": "us-"}`, `{"prefix": {"equals-ignore-case": "eventb"}}`, `{"suffix": ".png"}`,
//! `{"suffix": {"equals-ignore-case": ".png"}}`. "You can use prefix matching for string
//! values": numbers, booleans and null never match.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Affix {
    pub(crate) text: String,
    pub(crate) ignore_case: bool,
}

impl Affix {
    pub(crate) fn matches_prefix(&self, v: &Value) -> bool {
        match v {
            Value::String(s) if self.ignore_case => {
                s.to_lowercase().starts_with(&self.text.to_lowercase())
            }
            Value::String(s) => s.starts_with(&self.text),
            _ => false,
        }
    }

    pub(crate) fn matches_suffix(&self, v: &Value) -> bool {
        match v {
            Value::String(s) if self.ignore_case => {
                s.to_lowercase().ends_with(&self.text.to_lowercase())
            }
            Value::String(s) => s.ends_with(&self.text),
            _ => false,
        }
    }
}
