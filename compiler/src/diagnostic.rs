//! Diagnostics: every problem the parser and the checks find, with where it is and a hint.

use std::fmt;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// AWS itself would reject the definition (or, for typed data flow, it cannot work).
    Error,
    /// AWS accepts it, but it is almost surely a bug. `wfc compile` refuses it in our own
    /// workflows unless the state allows that lint with a reason.
    Lint,
}

/// One problem, located as `workflow › state › field`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub level: Level,
    /// A stable kebab-case name, e.g. `unknown-target`; lints are allowed by this name.
    pub code: &'static str,
    pub workflow: String,
    /// The state, nested states written as `Outer › Branches[0] › Inner`; `None` for the top level.
    pub state: Option<String>,
    /// The field inside the state (or the top level), e.g. `Choices[0].Variable`.
    pub field: Option<String>,
    pub message: String,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            level: Level::Error,
            code,
            workflow: String::new(),
            state: None,
            field: None,
            message: message.into(),
            hint: None,
        }
    }

    pub fn lint(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            level: Level::Lint,
            ..Diagnostic::error(code, message)
        }
    }

    pub fn at_state(mut self, state: impl Into<String>) -> Self {
        self.state = Some(state.into());
        self
    }

    pub fn at_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn in_workflow(mut self, workflow: &str) -> Self {
        self.workflow = workflow.to_string();
        self
    }

    /// `workflow example › state "Check replica" › Retry[1]`
    pub fn location(&self) -> String {
        let mut out = format!("workflow {}", self.workflow);
        if let Some(state) = &self.state {
            out.push_str(&format!(" › state \"{state}\""));
        }
        if let Some(field) = &self.field {
            out.push_str(&format!(" › {field}"));
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.level {
            Level::Error => "error",
            Level::Lint => "warning",
        };
        write!(
            f,
            "{level}[{}]: {}: {}",
            self.code,
            self.location(),
            self.message
        )?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// Lists names the way a hint shows them: `"A", "B", "C"` (at most 20, then `…`).
pub fn quoted_list<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let mut names: Vec<&str> = names.into_iter().collect();
    let more = names.len().saturating_sub(20);
    names.truncate(20);
    let mut out = names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ");
    if more > 0 {
        out.push_str(&format!(" and {more} more"));
    }
    if out.is_empty() {
        out.push_str("(none)");
    }
    out
}
