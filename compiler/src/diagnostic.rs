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
            // Escaped so a control character in a name cannot ring or garble the terminal.
            out.push_str(&format!(" › state \"{}\"", state.escape_debug()));
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

/// The candidate closest to `name` by edit distance, when it is close enough to be a likely typo.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (edit_distance(&name.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

// Levenshtein distance; a crate for ten lines is not worth a dependency.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

/// ` (did you mean "X"?)` or nothing.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    match closest(name, candidates) {
        Some(c) if c != name => format!(" (did you mean \"{c}\"?)"),
        _ => String::new(),
    }
}
