//! The data layer: how a state reads and reshapes JSON, as pure functions over
//! `serde_json::Value` (no I/O, no clock, no async). One module per concept of the spec:
//!
//! - [`path`]: JSONPath selection (Jayway semantics), `InputPath`/`OutputPath`/`ItemsPath`,
//!   `…SecondsPath`/`TimestampPath` readers and `ResultPath`.
//! - [`template`]: payload templates (`Parameters`, `ResultSelector`, `ItemSelector`,
//!   `Credentials`, JSONPath `Assign`).
//! - [`intrinsics`]: the 18 `States.*` functions.
//! - [`choice`]: Choice rules (JSONPath mode).
//!
//! The syntax (paths, intrinsic calls, Choice rules) is parsed by `wfc_compiler::asl`; this
//! layer only evaluates it. Failures are [`DataError`]s carrying AWS's error name and a cause.

use std::fmt;

use serde_json::{Map, Value};

pub mod choice;
pub mod intrinsics;
pub mod path;
pub mod template;

/// `States.Runtime`: not retried, not caught by `States.ALL`.
pub const RUNTIME: &str = "States.Runtime";
pub const RESULT_PATH_MATCH_FAILURE: &str = "States.ResultPathMatchFailure";
pub const INTRINSIC_FAILURE: &str = "States.IntrinsicFailure";

/// What a path can start from: `$` (the input the field is applied to), `$$` (the context
/// object) and `$name` (workflow variables).
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    pub input: &'a Value,
    pub context: &'a Value,
    pub variables: &'a Map<String, Value>,
}

impl<'a> Scope<'a> {
    /// The same context and variables over another input (e.g. `ResultSelector` reads the result).
    pub fn with_input<'b>(&self, input: &'b Value) -> Scope<'b>
    where
        'a: 'b,
    {
        Scope {
            input,
            context: self.context,
            variables: self.variables,
        }
    }
}

/// A failure with AWS's error name (`States.Runtime`, …) and a human-readable cause.
#[derive(Debug, Clone, PartialEq)]
pub struct DataError {
    pub error: &'static str,
    pub cause: String,
}

impl DataError {
    pub fn runtime(cause: impl Into<String>) -> DataError {
        DataError {
            error: RUNTIME,
            cause: cause.into(),
        }
    }

    pub fn intrinsic(cause: impl Into<String>) -> DataError {
        DataError {
            error: INTRINSIC_FAILURE,
            cause: cause.into(),
        }
    }
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error, self.cause)
    }
}

impl std::error::Error for DataError {}

/// Randomness for `States.MathRandom` and `States.UUID`; the engine passes a seeded one so that
/// runs are reproducible.
pub trait RandomSource {
    fn next_u64(&mut self) -> u64;
}

/// splitmix64 (Steele, Lea, Flood 2014). No crate needed: it is a few lines, passes BigCrush,
/// and being fixed here means a seed gives the same run on every platform and crate version.
#[derive(Debug, Clone)]
pub struct SeededRandom {
    state: u64,
}

impl SeededRandom {
    pub fn new(seed: u64) -> SeededRandom {
        SeededRandom { state: seed }
    }
}

impl RandomSource for SeededRandom {
    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// The JSON type of a value, for error messages.
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Compact JSON text, as AWS quotes inputs in causes.
pub(crate) fn json_text(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

#[cfg(test)]
pub(crate) mod test_support {
    //! A scope over literal JSON, for the tests of every module.
    use super::*;

    pub struct Fixture {
        pub input: Value,
        pub context: Value,
        pub variables: Map<String, Value>,
    }

    impl Fixture {
        pub fn new(input: Value) -> Fixture {
            Fixture {
                input,
                context: serde_json::json!({}),
                variables: Map::new(),
            }
        }

        pub fn scope(&self) -> Scope<'_> {
            Scope {
                input: &self.input,
                context: &self.context,
                variables: &self.variables,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_random_is_reproducible_and_seed_dependent() {
        let draw = |seed| {
            let mut r = SeededRandom::new(seed);
            [r.next_u64(), r.next_u64(), r.next_u64()]
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
        // splitmix64's published first output for seed 0.
        assert_eq!(SeededRandom::new(0).next_u64(), 0xE220_A839_7B1D_CDAF);
    }

    #[test]
    fn errors_display_name_and_cause() {
        assert_eq!(
            DataError::runtime("boom").to_string(),
            "States.Runtime: boom"
        );
        assert_eq!(DataError::intrinsic("x").error, INTRINSIC_FAILURE);
    }
}
