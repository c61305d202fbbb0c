//! The workflows, written in the wfc DSL.
