//! wfc's compiler: the one ASL model, the typed workflow DSL, and the static checks.
//!
//! Invariant: this crate does no I/O, no networking, no async, and knows no AWS SDK. It turns
//! values into values; the `wfc` program does the reading and writing.

pub mod asl;
pub mod check;
pub mod diagnostic;
pub mod dsl;
pub mod graph;

pub use diagnostic::{Diagnostic, Level};
