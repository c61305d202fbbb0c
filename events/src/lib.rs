//! Amazon EventBridge event patterns and input transformers, in pure Rust.
//!
//! This crate does no I/O, no networking and no async: values in, values out. It implements
//! the pattern language of the EventBridge user guide ("Creating event patterns", "Content
//! filtering", "Comparison operators", "Arrays in event patterns") and the input transformer
//! ("Amazon EventBridge input transformation").
//!
//! * [`Pattern`] — a validated, compiled event pattern: [`Pattern::parse`] (the text given to
//!   `PutRule`'s `EventPattern`), [`Pattern::from_value`], [`Pattern::matches`]. Invalid patterns
//!   give a [`PatternError`] naming the path in the pattern and what was expected.
//! * [`InputTransformer`] — `InputPathsMap` + `InputTemplate`: [`InputTransformer::validate`],
//!   [`InputTransformer::apply`] / [`InputTransformer::apply_with`] give the exact text a target
//!   would receive.
//!
//! Where each part lives (one module per family of the docs' operators):
//! * `pattern/mod.rs` — the compiled model and the traversal (objects, arrays of objects,
//!   leaf values, the AND of fields);
//! * `pattern/parse.rs` — JSON → model, with every validation error;
//! * `pattern/exact.rs` — exact strings, numbers, `true`/`false`/`null`, `equals-ignore-case`;
//! * `pattern/prefix_suffix.rs` — `prefix`, `suffix` (and their `equals-ignore-case` forms);
//! * `pattern/anything_but.rs` — `anything-but` (values, lists, `prefix`, `suffix`,
//!   `equals-ignore-case`, `wildcard`);
//! * `pattern/numeric.rs` — `numeric` ranges and `=`;
//! * `pattern/exists.rs` — `exists`;
//! * `pattern/cidr.rs` — `cidr` (IPv4 and IPv6);
//! * `pattern/wildcard.rs` — `wildcard` (`*`, escapes);
//! * `pattern/or.rs` — `$or`;
//! * `pattern/dotted.rs` — dots in field names (key paths joined with dots, both sides);
//! * `transform.rs` — the input transformer.
//!
//! Where moto (the local emulator used by the tests) differs from the documentation, the
//! documentation wins; `DIFFERENCES.md` lists every such case of the test corpus.

pub mod pattern;
pub mod transform;

pub use pattern::{Pattern, PatternError};
pub use transform::{InputTransformer, TransformContext, TransformError};
