//! The workflows, written in the wfc DSL.
//!
//! Until the WooCommerce workflows arrive (with their stack description), this crate holds one
//! example workflow that uses every state type, over example activity declarations.

pub mod example;

use wfc_compiler::dsl::{CompileError, Compiled};

/// Builds one workflow: its ASL, or every problem found in it.
pub type Build = fn() -> Result<Compiled, CompileError>;

/// Every workflow `wfc compile` builds, by name.
pub fn all() -> Vec<(&'static str, Build)> {
    vec![("example", example::workflow)]
}
