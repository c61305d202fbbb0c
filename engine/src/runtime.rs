//! What every state of one execution shares ([`Runtime`]: clock, history, handlers, tokens,
//! random source, the machine) and what each branch keeps for itself ([`Frame`]: its variables
//! and its place in the history).
//!
//! The execution is one tree of futures on one thread, so sharing is plain references and
//! `RefCell`s; a Parallel branch or a Map iteration is a future with its own `Frame`.

use crate::clock::{format_timestamp, Clock, Millis};
use crate::data::{Scope, SeededRandom};
use crate::dispatch::callback::Callbacks;
use crate::dispatch::Handlers;
use crate::error::{names, Failure};
use crate::history::History;
use crate::program::{Compiled, Program, StateId};
use serde_json::{json, Map, Value};
use std::cell::{Cell, RefCell};
use std::sync::Arc;
use wfc_compiler::asl::{QueryLanguage, State};

/// The largest state input or output, in bytes of JSON (AWS quota: 256 KiB).
pub const PAYLOAD_LIMIT: usize = 262_144;

/// Who this execution is, for the context object and the history.
#[derive(Debug, Clone)]
pub(crate) struct ExecutionInfo {
    pub arn: String,
    pub name: String,
    pub role_arn: String,
    pub state_machine_arn: String,
    pub state_machine_name: String,
    pub start_time: Millis,
    /// `$$.Execution.Input`; `null` when no state reads the context (not copied for nothing).
    pub input: Value,
}

pub(crate) struct Runtime {
    pub program: Arc<Program>,
    pub handlers: Arc<Handlers>,
    pub clock: Clock,
    pub history: History,
    pub random: RefCell<SeededRandom>,
    pub callbacks: Callbacks,
    pub info: ExecutionInfo,
}

impl Runtime {
    /// The context object a state sees (`$$`, `$states.context`), or `null` for states that
    /// never read it.
    pub fn context(&self, state: &StateInfo<'_>, extra: ContextExtra<'_>) -> Value {
        if !state.compiled.reads_context {
            return Value::Null;
        }
        let info = &self.info;
        let mut context = json!({
            "Execution": {
                "Id": info.arn,
                "Input": info.input,
                "Name": info.name,
                "RoleArn": info.role_arn,
                "StartTime": format_timestamp(info.start_time),
                "RedriveCount": 0,
            },
            "State": {
                "EnteredTime": format_timestamp(state.entered),
                "Name": state.name,
                "RetryCount": state.retry_count.get(),
            },
            "StateMachine": {"Id": info.state_machine_arn, "Name": info.state_machine_name},
        });
        if let Some(token) = extra.token {
            context["Task"] = json!({ "Token": token });
        }
        if let Some((index, value)) = extra.map_item {
            context["Map"] = json!({"Item": {"Index": index, "Value": value}});
        }
        context
    }

    /// Records a history event after the frame's last one.
    pub fn record(
        &self,
        frame: &Frame,
        kind: &'static str,
        details: impl FnOnce() -> Option<(&'static str, Value)>,
    ) {
        self.history
            .record(&frame.cursor, self.clock.now(), kind, details);
    }
}

/// Extra parts of the context object that only some evaluations have.
#[derive(Default, Clone, Copy)]
pub(crate) struct ContextExtra<'a> {
    pub token: Option<&'a str>,
    pub map_item: Option<(usize, &'a Value)>,
}

/// The state being run: its name, definition, entry time and retry count.
pub(crate) struct StateInfo<'a> {
    pub id: StateId,
    pub compiled: &'a Compiled,
    pub name: &'a str,
    pub state: &'a State,
    pub entered: Millis,
    pub retry_count: Cell<u32>,
    pub language: QueryLanguage,
    /// The size in bytes of JSON of the state's input, when known (then exact).
    pub input_size: Option<usize>,
}

/// One branch of the execution: the top level, a Parallel branch or a Map iteration.
pub(crate) struct Frame {
    /// Variables visible here. An inner scope starts with a copy of the outer scope's (the outer
    /// scope cannot change while its Parallel or Map state runs), so reading outer variables is
    /// a lookup, and what the inner scope assigns stays inside it: "inner scopes read outer,
    /// cannot assign outer".
    pub variables: Map<String, Value>,
    /// The id of this branch's last history event (`previousEventId` of the next one).
    pub cursor: Cell<u64>,
    /// The query language of states that do not say.
    pub language: QueryLanguage,
}

impl Frame {
    pub fn scope<'a>(&'a self, input: &'a Value, context: &'a Value) -> Scope<'a> {
        Scope {
            input,
            context,
            variables: &self.variables,
        }
    }
}

/// Fails with `States.DataLimitExceeded` when `value` is larger than 256 KiB of JSON.
pub(crate) fn check_size(value: &Value, what: impl FnOnce() -> String) -> Result<(), Failure> {
    limit_size(json_size(value), what).map(drop)
}

/// Fails with `States.DataLimitExceeded` when a payload of `size` bytes is over the quota;
/// else the size.
pub(crate) fn limit_size(size: usize, what: impl FnOnce() -> String) -> Result<usize, Failure> {
    if size > PAYLOAD_LIMIT {
        return Err(Failure::new(
            names::DATA_LIMIT_EXCEEDED,
            format!(
                "{} is {size} bytes, more than the {PAYLOAD_LIMIT}-byte payload quota",
                what()
            ),
        ));
    }
    Ok(size)
}

/// The size of the compact JSON text of `value` (as `serde_json::to_string` writes it), without
/// building the text: lengths summed over the tree (a state's output is measured after every
/// state, so this is on the hot path of every execution).
pub(crate) fn json_size(value: &Value) -> usize {
    match value {
        Value::Null | Value::Bool(true) => 4,
        Value::Bool(false) => 5,
        Value::Number(n) => number_size(n),
        Value::String(s) => string_size(s),
        // `[` `]` and a comma between items.
        Value::Array(items) => {
            2 + items.len().saturating_sub(1) + items.iter().map(json_size).sum::<usize>()
        }
        // `{` `}`, a comma between entries, and `"key":value` each.
        Value::Object(map) => {
            2 + map.len().saturating_sub(1)
                + map
                    .iter()
                    .map(|(k, v)| string_size(k) + 1 + json_size(v))
                    .sum::<usize>()
        }
    }
}

/// An integer's decimal digits (and sign); a float as serde_json writes it.
fn number_size(n: &serde_json::Number) -> usize {
    let digits = |mut u: u64| {
        let mut d = 1;
        while u >= 10 {
            u /= 10;
            d += 1;
        }
        d
    };
    if let Some(u) = n.as_u64() {
        digits(u)
    } else if let Some(i) = n.as_i64() {
        1 + digits(i.unsigned_abs())
    } else {
        struct Count(usize);
        impl std::io::Write for Count {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0 += buf.len();
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut count = Count(0);
        let _ = serde_json::to_writer(&mut count, n);
        count.0
    }
}

/// A string in quotes, escaped as serde_json escapes: `\"`, `\\` and the short escapes of
/// backspace, tab, newline, form feed and carriage return take 2 bytes; other control characters
/// take 6 (`\u00XX`); everything else is written as is.
pub(crate) fn string_size(s: &str) -> usize {
    let bytes = s.as_bytes();
    // Most strings escape nothing: tested eight bytes at a time.
    if plain(bytes) {
        return 2 + bytes.len();
    }
    let extra: usize = bytes
        .iter()
        .map(|&b| match b {
            b'"' | b'\\' | 0x08 | 0x09 | 0x0A | 0x0C | 0x0D => 1,
            0x00..=0x1F => 5,
            _ => 0,
        })
        .sum();
    2 + bytes.len() + extra
}

/// Whether no byte needs an escape (a control character, `"` or `\\`), eight bytes at a time:
/// a word has a byte below `n` (n <= 128) exactly when `(x - n·0x01…) & !x & 0x80…` is not zero
/// ("Bit Twiddling Hacks", determine if a word has a byte less than n); a byte equal to `c` is a
/// zero byte of `x ^ c·0x01…`.
fn plain(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below = |x: u64, n: u8| x.wrapping_sub(ONES * u64::from(n)) & !x & HIGH;
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let x = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        let found = below(x, 0x20)
            | below(x ^ (ONES * u64::from(b'"')), 1)
            | below(x ^ (ONES * u64::from(b'\\')), 1);
        if found != 0 {
            return false;
        }
    }
    words
        .remainder()
        .iter()
        .all(|&b| b >= 0x20 && b != b'"' && b != b'\\')
}

#[cfg(test)]
mod size_tests {
    use super::json_size;
    use serde_json::json;

    #[test]
    fn the_size_is_the_length_of_the_compact_text() {
        let values = [
            json!(null),
            json!(true),
            json!(false),
            json!(0),
            json!(7),
            json!(10),
            json!(u64::MAX),
            json!(-1),
            json!(-10),
            json!(i64::MIN),
            json!(1.5),
            json!(-0.0),
            json!(1e300),
            json!(0.1),
            json!(123456789.125),
            json!(""),
            json!("plain"),
            json!("quote \" backslash \\ slash / tab \t nl \n cr \r ff \u{c} bs \u{8}"),
            json!("controls \u{0} \u{1} \u{1f} del \u{7f} é ü 日本 🦀"),
            json!([]),
            json!({}),
            json!([1, "two", [3, {"four": 4}], null]),
            json!({"a": 1, "b\"c": {"d": [true, false, 1.25, "x"]}, "": ""}),
            // Longer than a counting chunk, plain and with escapes in the second chunk.
            json!("long ".repeat(120)),
            json!(format!("{}\"{}", "x".repeat(300), "\n".repeat(260))),
        ];
        for v in values {
            assert_eq!(
                json_size(&v),
                serde_json::to_string(&v).unwrap().len(),
                "{v}"
            );
        }
        // Each special byte at each place of a word and of the tail; bytes just above them.
        for special in [
            '"', '\\', '\u{0}', '\u{1f}', '\n', ' ', '#', ']', '\u{7f}', 'é',
        ] {
            for at in 0..20 {
                let mut text: Vec<char> = "abcdefghijklmnopqrst".chars().collect();
                text[at] = special;
                let v = json!(text.into_iter().collect::<String>());
                assert_eq!(
                    json_size(&v),
                    serde_json::to_string(&v).unwrap().len(),
                    "{v}"
                );
            }
        }
    }
}
