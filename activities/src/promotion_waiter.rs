//! Waking a workflow early when the database event it waits for arrives.
//!
//! Aurora publishes "global failover completed" (RDS-EVENT-0238) and "global switchover
//! finished" (RDS-EVENT-0185); EventBridge delivers them within seconds, while the workflow polls
//! every 30 s. The workflow's wait is a `.waitForTaskToken` task running `register_waiter`, which
//! stores the token in an SSM parameter (a SecureString: the token lets anyone end the wait); the
//! event's rule runs `wake_waiter`, which answers the token. Polling still confirms the database
//! is writable, so a lost event (RDS events are best effort) only costs the poll interval.

use crate::error::{ActivityError, Result};
use crate::ports::workflows::Workflows;
use crate::ports::ConfigStore;
use crate::validate::{self, Validate};
use crate::{aws_errors, iam};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use wfc_contract::{Activity, Permission};

/// What the waiter parameter holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Waiter {
    pub task_token: String,
    /// What the workflow waits for, e.g. `promotion of woo-usw2`.
    pub waiting_for: String,
}

pub struct RegisterWaiter;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterWaiterInput {
    /// e.g. `/wfc/woo/waiters/promotion`.
    pub parameter_name: String,
    /// `$$.Task.Token` of the waiting task.
    pub task_token: String,
    pub waiting_for: String,
    /// Region of the parameter; default: the function's own.
    #[serde(default)]
    pub region: Option<String>,
}

impl Validate for RegisterWaiterInput {
    fn validate(&self) -> Result<()> {
        validate::ssm_parameter_name("parameter_name", &self.parameter_name)?;
        validate::non_empty("task_token", &self.task_token)?;
        validate::non_empty("waiting_for", &self.waiting_for)?;
        validate::optional_region("region", &self.region)
    }
}

/// The waiting task's result: what `wake_waiter` answers with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Woken {
    /// The event that woke the workflow (`RDS-EVENT-0238`).
    pub woken_by: String,
}

pub async fn register(input: RegisterWaiterInput, config: &dyn ConfigStore) -> Result<Woken> {
    input.validate()?;
    let waiter = Waiter {
        task_token: input.task_token,
        waiting_for: input.waiting_for,
    };
    let text = serde_json::to_string(&waiter).map_err(|e| ActivityError::StateMalformed {
        name: input.parameter_name.clone(),
        reason: e.to_string(),
    })?;
    config
        .put_parameter(&input.parameter_name, &text, true)
        .await?;
    // The Lambda's answer is not the task's result (the task waits for its token).
    Ok(Woken {
        woken_by: "registered".into(),
    })
}

impl Activity for RegisterWaiter {
    const NAME: &'static str = "register_waiter";
    const ERRORS: &'static [&'static str] = aws_errors![StateMalformed];
    type Input = RegisterWaiterInput;
    type Output = Woken;
    fn permissions() -> Vec<Permission> {
        vec![Permission::new(
            &["ssm:PutParameter"],
            &[iam::SSM_PARAMETER],
        )]
    }
}

pub struct WakeWaiter;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WakeWaiterInput {
    pub parameter_name: String,
    /// The event's id (`RDS-EVENT-0238`), passed on as `woken_by`.
    pub event_id: String,
    /// Region of the parameter and the state machines; default: the function's own.
    #[serde(default)]
    pub region: Option<String>,
}

impl Validate for WakeWaiterInput {
    fn validate(&self) -> Result<()> {
        validate::ssm_parameter_name("parameter_name", &self.parameter_name)?;
        validate::non_empty("event_id", &self.event_id)?;
        validate::optional_region("region", &self.region)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct WakeWaiterOutput {
    /// Whether a waiting workflow was answered.
    pub woken: bool,
    pub detail: String,
}

/// The parameter's value once the waiter was answered (there is no "delete" in the port, and an
/// empty value is refused by SSM).
const NOBODY: &str = "{}";

pub async fn wake(
    input: WakeWaiterInput,
    config: &dyn ConfigStore,
    workflows: &dyn Workflows,
) -> Result<WakeWaiterOutput> {
    input.validate()?;
    let stored = config.parameter(&input.parameter_name).await?;
    let waiter = stored.and_then(|(v, _)| serde_json::from_str::<Waiter>(v.expose()).ok());
    let Some(waiter) = waiter else {
        return Ok(WakeWaiterOutput {
            woken: false,
            detail: "no workflow is waiting".into(),
        });
    };
    let answer = serde_json::to_string(&Woken {
        woken_by: input.event_id.clone(),
    })
    .unwrap_or_default();
    let woken = workflows
        .send_task_success(&waiter.task_token, &answer)
        .await?;
    config
        .put_parameter(&input.parameter_name, NOBODY, true)
        .await?;
    Ok(WakeWaiterOutput {
        woken,
        detail: if woken {
            format!("woke the workflow waiting for {}", waiter.waiting_for)
        } else {
            format!(
                "the wait for {} had already ended (timed out into its poll)",
                waiter.waiting_for
            )
        },
    })
}

impl Activity for WakeWaiter {
    const NAME: &'static str = "wake_waiter";
    const ERRORS: &'static [&'static str] = aws_errors![];
    type Input = WakeWaiterInput;
    type Output = WakeWaiterOutput;
    fn permissions() -> Vec<Permission> {
        vec![
            Permission::new(
                &["ssm:GetParameter", "ssm:PutParameter"],
                &[iam::SSM_PARAMETER],
            ),
            Permission::new(&["states:SendTaskSuccess"], &["*"]),
        ]
    }
}
