//! The callback pattern (`.waitForTaskToken`, and activities): the task hands out a token and
//! waits until someone answers it with `SendTaskSuccess`, `SendTaskFailure` or
//! `SendTaskHeartbeat` ([`crate::Execution::send_task_success`] and friends).
//!
//! While a token is outstanding and nothing else can run, the execution is *parked*: `start`
//! and `resume` return and virtual time stands still until the caller answers or lets time
//! pass (`resume`, `advance`). `HeartbeatSeconds` and `TimeoutSeconds` are timers on the virtual
//! clock, so a heartbeat timeout "while parked" happens when the caller lets time pass beyond it.

use crate::clock::{Clock, Millis};
use crate::data::RandomSource;
use crate::error::{names, Failure};
use serde_json::Value;
use std::cell::RefCell;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// A task waiting for its token to be answered.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingTask {
    pub token: String,
    pub state_name: String,
    pub resource: String,
    /// The Lambda function the task invoked, for Lambda callbacks.
    pub function_name: Option<String>,
    /// What the task sent (its effective input), where the worker would find the token.
    pub input: Value,
}

/// An answer to a task token.
#[derive(Debug, Clone, PartialEq)]
pub enum CallbackResponse {
    Success(Value),
    Failure { error: String, cause: String },
    Heartbeat,
}

/// Why an answer was refused (AWS: `TaskDoesNotExist`, `TaskTimedOut`, `InvalidToken`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    #[error("TaskDoesNotExist: no task is waiting for token {0} (unknown token, or the task already completed, failed or timed out)")]
    UnknownToken(String),
}

struct Slot {
    task: PendingTask,
    /// A final answer not yet read by the waiting task; heartbeats are delivered one at a time.
    response: Option<CallbackResponse>,
    waker: Option<Waker>,
}

/// The outstanding tokens of one execution.
#[derive(Default)]
pub(crate) struct Callbacks {
    /// In the order the tasks started, so `pending()` is deterministic.
    slots: RefCell<Vec<Slot>>,
}

impl Callbacks {
    /// A fresh token. Drawn from the execution's seeded source: the same seed gives the same
    /// tokens, so tests can write them down.
    pub fn new_token(random: &mut dyn RandomSource) -> String {
        let (a, b) = (random.next_u64(), random.next_u64());
        format!("AQB{a:016x}{b:016x}")
    }

    pub fn open(&self, task: PendingTask) {
        self.slots.borrow_mut().push(Slot {
            task,
            response: None,
            waker: None,
        });
    }

    /// Delivers an answer to the task holding `token`.
    pub fn respond(&self, token: &str, response: CallbackResponse) -> Result<(), CallbackError> {
        let waker = {
            let mut slots = self.slots.borrow_mut();
            let slot = slots
                .iter_mut()
                .find(|s| s.task.token == token && !is_final(&s.response))
                .ok_or_else(|| CallbackError::UnknownToken(token.to_string()))?;
            slot.response = Some(response);
            slot.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
        Ok(())
    }

    /// Tasks still waiting for an answer.
    pub fn pending(&self) -> Vec<PendingTask> {
        self.slots
            .borrow()
            .iter()
            .filter(|s| !is_final(&s.response))
            .map(|s| s.task.clone())
            .collect()
    }

    pub fn any_pending(&self) -> bool {
        self.slots.borrow().iter().any(|s| !is_final(&s.response))
    }

    fn poll_answer(&self, token: &str, cx: &mut Context<'_>) -> Poll<CallbackResponse> {
        let mut slots = self.slots.borrow_mut();
        let Some(slot) = slots.iter_mut().find(|s| s.task.token == token) else {
            return Poll::Pending;
        };
        match slot.response.take() {
            Some(r) => Poll::Ready(r),
            None => {
                slot.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }

    fn close(&self, token: &str) {
        self.slots.borrow_mut().retain(|s| s.task.token != token);
    }

    /// Waits for the answer to `token`: its output, its failure, or `States.HeartbeatTimeout` /
    /// `States.Timeout` when the clock passes the heartbeat or the task deadline first. A
    /// heartbeat restarts the heartbeat timer. The token is forgotten when the wait ends or is
    /// dropped (a cancelled branch), so a late answer is refused as on AWS.
    pub async fn wait(
        &self,
        clock: &Clock,
        task: PendingTask,
        heartbeat_seconds: Option<f64>,
        deadline: Millis,
    ) -> Result<Value, Failure> {
        let token = task.token.clone();
        self.open(task);
        let _forget = Forget {
            callbacks: self,
            token: &token,
        };
        loop {
            let mut timeout = clock.sleep_until(deadline);
            let mut heartbeat = heartbeat_seconds.map(|s| clock.sleep(s));
            let event = poll_fn(|cx| {
                if let Poll::Ready(answer) = self.poll_answer(&token, cx) {
                    return Poll::Ready(Ok(answer));
                }
                if Pin::new(&mut timeout).poll(cx).is_ready() {
                    return Poll::Ready(Err(Failure::new(
                        names::TIMEOUT,
                        "the task did not complete within its TimeoutSeconds",
                    )));
                }
                if let Some(h) = heartbeat.as_mut() {
                    if Pin::new(h).poll(cx).is_ready() {
                        return Poll::Ready(Err(Failure::new(
                            names::HEARTBEAT_TIMEOUT,
                            "no heartbeat was received within HeartbeatSeconds",
                        )));
                    }
                }
                Poll::Pending
            })
            .await?;
            match event {
                CallbackResponse::Success(output) => return Ok(output),
                CallbackResponse::Failure { error, cause } => {
                    return Err(Failure::new(error, cause))
                }
                CallbackResponse::Heartbeat => continue,
            }
        }
    }
}

fn is_final(response: &Option<CallbackResponse>) -> bool {
    matches!(
        response,
        Some(CallbackResponse::Success(_) | CallbackResponse::Failure { .. })
    )
}

/// Forgets a token when its wait ends, however it ends.
struct Forget<'a> {
    callbacks: &'a Callbacks,
    token: &'a str,
}

impl Drop for Forget<'_> {
    fn drop(&mut self) {
        self.callbacks.close(self.token);
    }
}
