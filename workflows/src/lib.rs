//! The workflows, written in the wfc DSL.
//!
//! Until the WooCommerce workflows arrive (with their stack description), this crate holds one
//! example workflow that uses every state type, over example activity declarations.

pub mod example;

use wfc_compiler::dsl::{CompileError, Compiled};

/// Every workflow `wfc compile` builds, by name.
pub fn all() -> Vec<(&'static str, fn() -> Result<Compiled, CompileError>)> {
    vec![("example", example::workflow)]
}
