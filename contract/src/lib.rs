//! What an activity promises, and nothing else: its name, its typed input and output, the error
//! names it can raise, and the IAM permissions it needs.
//!
//! Invariant: no ASL and no AWS SDK here. The compiler reads these promises to type-check data
//! flow and derive IAM; the activities crate implements them; neither needs to know the other.

use schemars::JsonSchema;
use serde::{de::DeserializeOwned, Serialize};

/// A unit of work a workflow task runs (a Lambda function in production).
pub trait Activity {
    /// The activity's name, e.g. `promote_replica`; also the default Lambda function name.
    const NAME: &'static str;
    /// The error names the activity returns (its `errorType`), so a Retry/Catch can match them.
    const ERRORS: &'static [&'static str] = &[];
    type Input: Serialize + DeserializeOwned + JsonSchema;
    type Output: Serialize + DeserializeOwned + JsonSchema;
    /// The IAM permissions the activity needs to do its work.
    fn permissions() -> Vec<Permission> {
        Vec::new()
    }
}

/// One IAM statement an activity needs: actions on resources (ARNs, may hold `${Region}`-style
/// placeholders that the deployment fills in).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permission {
    pub actions: Vec<&'static str>,
    pub resources: Vec<String>,
}

impl Permission {
    pub fn new(actions: &[&'static str], resources: &[&str]) -> Self {
        Permission {
            actions: actions.to_vec(),
            resources: resources.iter().map(|r| r.to_string()).collect(),
        }
    }
}
