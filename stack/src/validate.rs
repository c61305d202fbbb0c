//! Loading and validation (placeholder until the full checks land: serde only).

use crate::Stack;

/// One problem in `stack.toml`, at a key path such as `regions.us-east-1.database.arn`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackError {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for StackError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for StackError {}

pub fn load(text: &str) -> Result<Stack, Vec<StackError>> {
    toml::from_str(text).map_err(|e| {
        vec![StackError {
            path: String::new(),
            message: e.to_string(),
        }]
    })
}
