//! The public API: an [`Engine`] (a machine, its task handlers and options) starts
//! [`Execution`]s; an execution runs until it completes or parks on a task token.
//!
//! Time and concurrency: the whole execution is one future (states are `async` functions;
//! Parallel branches and Map iterations are futures joined in order), polled on this thread.
//! When it cannot make progress, the executor below moves the virtual clock to the earliest
//! timer (a Wait, a retry interval, a task timeout or heartbeat, the machine's `TimeoutSeconds`)
//! and polls again. If tasks are waiting for their tokens, it stops instead and the execution is
//! *parked*: the caller answers a token (`send_task_success`…) or lets time pass (`resume`,
//! `advance`). Nothing sleeps, unless [`Options::real_time`] asks for it.

use crate::clock::{format_timestamp, parse_timestamp, seconds_to_millis, Clock, Millis};
use crate::data::{RandomSource, SeededRandom};
use crate::dispatch::callback::{CallbackError, CallbackResponse, Callbacks, PendingTask};
use crate::dispatch::Handlers;
use crate::error::{names, Failure};
use crate::history::{self, EventLog, History, HistoryEvent};
use crate::jsonata::uuid_v4;
use crate::program::Program;
use crate::runtime::{json_size, limit_size, ExecutionInfo, Frame, Runtime};
use crate::states::{run_scope, Output};
use serde_json::{json, Map, Value};
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use wfc_compiler::asl::{IntOrExpr, StateMachine};

/// How an execution is started.
#[derive(Debug, Clone)]
pub struct Options {
    /// Seeds retry jitter, task tokens, `States.UUID`, `States.MathRandom`, JSONata's
    /// `$random`/`$uuid` and generated names: the same seed gives the same run.
    pub seed: u64,
    /// The virtual clock at the start (milliseconds since the Unix epoch).
    pub start_time: Millis,
    /// `$$.Execution.Name`; a UUID drawn from the seed when absent.
    pub execution_name: Option<String>,
    /// `$$.Execution.Id`; derived from the state machine ARN and the name when absent.
    pub execution_arn: Option<String>,
    /// `$$.StateMachine.Id`.
    pub state_machine_arn: String,
    /// `$$.Execution.RoleArn`.
    pub role_arn: String,
    /// Record the execution history (off: nothing is built for it).
    pub history: bool,
    /// Sleep for real whenever the virtual clock moves (for demonstrations, not tests).
    pub real_time: bool,
    /// Never move the clock on its own: starting, answering a token or letting time pass runs
    /// only what is due by the current time, and [`Execution::run_until`] moves the clock. For a
    /// caller that steps several executions and a simulated world on one clock (`wfc drill`).
    pub stepped: bool,
}

/// 2024-01-01T00:00:00Z: a fixed default start, so runs are reproducible.
pub const DEFAULT_START_TIME: Millis = 1_704_067_200_000;

impl Default for Options {
    fn default() -> Options {
        Options {
            seed: 0,
            start_time: DEFAULT_START_TIME,
            execution_name: None,
            execution_arn: None,
            state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:local".into(),
            role_arn: "arn:aws:iam::123456789012:role/local-execution".into(),
            history: false,
            real_time: false,
            stepped: false,
        }
    }
}

impl Options {
    /// Sets the start time from an RFC 3339 timestamp.
    pub fn start_at(mut self, timestamp: &str) -> Result<Options, String> {
        self.start_time = parse_timestamp(timestamp)
            .ok_or_else(|| format!("not an RFC 3339 timestamp: {timestamp}"))?;
        Ok(self)
    }
}

/// How an execution ended, or that it is waiting.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Succeeded {
        output: Value,
    },
    /// `error`/`cause` are `None` when the failing state named none (a Fail state without
    /// `Error`/`Cause`): AWS then reports no error and no cause.
    Failed {
        error: Option<String>,
        cause: Option<String>,
    },
    /// The machine's `TimeoutSeconds` passed (AWS status `TIMED_OUT`, error `States.Timeout`).
    TimedOut {
        cause: String,
    },
    /// Waiting for these task tokens; answer them or let time pass.
    Parked {
        tasks: Vec<PendingTask>,
    },
}

impl Outcome {
    /// The execution status AWS would report.
    pub fn status(&self) -> &'static str {
        match self {
            Outcome::Succeeded { .. } => "SUCCEEDED",
            Outcome::Failed { .. } => "FAILED",
            Outcome::TimedOut { .. } => "TIMED_OUT",
            Outcome::Parked { .. } => "RUNNING",
        }
    }

    /// `{"Error": …, "Cause": …}` for a failure or a timeout (`null` for an absent one).
    pub fn error_output(&self) -> Option<Value> {
        match self {
            Outcome::Failed { error, cause } => Some(json!({"Error": error, "Cause": cause})),
            Outcome::TimedOut { cause } => Some(json!({"Error": names::TIMEOUT, "Cause": cause})),
            _ => None,
        }
    }
}

/// A completed (or parked) run: the outcome, the virtual time it took, and the history (empty
/// unless [`Options::history`]; read it as a slice of [`HistoryEvent`]s, built when first read).
#[derive(Debug, Clone)]
pub struct Report {
    pub outcome: Outcome,
    pub duration: Duration,
    pub history: EventLog,
}

/// A state machine with its handlers, ready to run any number of executions (on any thread).
#[derive(Clone)]
pub struct Engine {
    program: Arc<Program>,
    handlers: Arc<Handlers>,
    options: Options,
}

impl Engine {
    pub fn new(machine: StateMachine) -> Engine {
        Engine {
            program: Arc::new(Program::new(machine)),
            handlers: Arc::new(Handlers::new()),
            options: Options::default(),
        }
    }

    pub fn with_handlers(mut self, handlers: Handlers) -> Engine {
        self.handlers = Arc::new(handlers);
        self
    }

    pub fn with_options(mut self, options: Options) -> Engine {
        self.options = options;
        self
    }

    pub fn machine(&self) -> &StateMachine {
        &self.program.machine
    }

    /// Runs an execution until it completes (or parks on a token nobody will answer).
    pub fn run(&self, input: Value) -> Report {
        let mut execution = self.start(input);
        // Moved out, not copied: the output and the history can be large.
        let outcome = std::mem::replace(
            &mut execution.outcome,
            Outcome::Parked { tasks: Vec::new() },
        );
        let rt = &execution.rt;
        Report {
            outcome,
            duration: execution.duration(),
            history: rt
                .history
                .take(rt.program.clone(), rt.info.role_arn.clone()),
        }
    }

    /// Starts an execution and runs it until it completes or parks.
    pub fn start(&self, input: Value) -> Execution {
        Execution::start(self, input)
    }
}

type Root = Pin<Box<dyn Future<Output = Result<Output, Failure>>>>;

/// One execution. Not `Send`: it runs on the thread that started it.
pub struct Execution {
    rt: Rc<Runtime>,
    root: Option<Root>,
    outcome: Outcome,
    /// The machine's `TimeoutSeconds` deadline.
    deadline: Option<Millis>,
    real_time: bool,
    stepped: bool,
    cursor: Cell<u64>,
    /// Polled since the last answer, with no timer due since: polling again would find nothing
    /// to do until a timer falls due or a token is answered (stepped mode's idle seconds).
    at_rest: bool,
}

impl Execution {
    fn start(engine: &Engine, input: Value) -> Execution {
        let options = &engine.options;
        let mut random = SeededRandom::new(options.seed);
        let name = options
            .execution_name
            .clone()
            .unwrap_or_else(|| uuid_v4(random.next_u64(), random.next_u64()));
        let machine_arn = options.state_machine_arn.clone();
        let machine_name = machine_arn
            .rsplit(':')
            .next()
            .unwrap_or("local")
            .to_string();
        let arn = options.execution_arn.clone().unwrap_or_else(|| {
            format!(
                "{}:{machine_name}:{name}",
                machine_arn
                    .replacen(":stateMachine:", ":execution:", 1)
                    .rsplit_once(':')
                    .map_or(machine_arn.as_str(), |(head, _)| head)
            )
        });
        let program = engine.program.clone();
        // `$$.Execution.Input` is kept only if some state reads the context.
        let context_input = if program.reads_context {
            input.clone()
        } else {
            Value::Null
        };
        let rt = Rc::new(Runtime {
            program,
            handlers: engine.handlers.clone(),
            clock: Clock::new(options.start_time),
            history: History::new(options.history),
            random: RefCell::new(random),
            callbacks: Callbacks::default(),
            info: ExecutionInfo {
                arn,
                name,
                role_arn: options.role_arn.clone(),
                state_machine_arn: machine_arn,
                state_machine_name: machine_name,
                start_time: options.start_time,
                input: context_input,
            },
        });
        let mut execution = Execution {
            rt: rt.clone(),
            root: None,
            outcome: Outcome::Parked { tasks: Vec::new() },
            deadline: None,
            real_time: options.real_time,
            stepped: options.stepped,
            cursor: Cell::new(0),
            at_rest: false,
        };
        // With history on, the input's text is kept for ExecutionStarted (and shared with the
        // first state's event); its length is the input's size.
        let (text, size) = if rt.history.enabled() {
            let (text, size) = rt.history.keep(&input);
            rt.history
                .record_execution(&execution.cursor, rt.clock.now(), true, text);
            (Some(text), size)
        } else {
            (None, json_size(&input))
        };
        let machine = &rt.program.machine;
        let started = (|| {
            limit_size(size, || "the execution input".into())?;
            match &machine.timeout_seconds {
                None => Ok(None),
                Some(IntOrExpr::Number(n)) => Ok(n
                    .as_f64()
                    .map(|s| rt.clock.now().saturating_add(seconds_to_millis(s)))),
                Some(IntOrExpr::Expr(e)) => Err(Failure::runtime(format!(
                    "a JSONata expression as the machine's TimeoutSeconds ({e}) is not supported"
                ))),
            }
        })();
        match started {
            Ok(deadline) => {
                execution.deadline = deadline;
                let cursor = execution.cursor.get();
                let root_rt = rt.clone();
                execution.root = Some(Box::pin(async move {
                    let rt = root_rt;
                    let mut frame = Frame {
                        variables: Map::new(),
                        cursor: Cell::new(cursor),
                        language: rt.program.machine.query_language(),
                    };
                    let known = (Some(size), text);
                    run_scope(&rt, &mut frame, &rt.program.start, input, known).await
                }));
                execution.drive(None);
            }
            Err(failure) => execution.finish(Err(failure)),
        }
        execution
    }

    /// The outcome so far: `Parked` while the execution waits for task tokens.
    pub fn outcome(&self) -> &Outcome {
        &self.outcome
    }

    pub fn is_complete(&self) -> bool {
        self.root.is_none()
    }

    /// Tasks waiting for an answer to their token.
    pub fn pending_tasks(&self) -> Vec<PendingTask> {
        self.rt.callbacks.pending()
    }

    /// The virtual clock now.
    pub fn now(&self) -> Millis {
        self.rt.clock.now()
    }

    /// Virtual time since the start.
    pub fn duration(&self) -> Duration {
        let ms = self.rt.clock.now() - self.rt.info.start_time;
        Duration::from_millis(ms.max(0) as u64)
    }

    pub fn history(&self) -> Vec<HistoryEvent> {
        self.rt
            .history
            .events(&self.rt.program, &self.rt.info.role_arn)
    }

    /// `SendTaskSuccess`: the task waiting for `token` succeeds with `output`; the execution
    /// runs on until it completes or parks again.
    pub fn send_task_success(
        &mut self,
        token: &str,
        output: Value,
    ) -> Result<&Outcome, CallbackError> {
        self.answer(token, CallbackResponse::Success(output))
    }

    /// `SendTaskFailure`: the task waiting for `token` fails with `error` and `cause` (which its
    /// Retry and Catch see).
    pub fn send_task_failure(
        &mut self,
        token: &str,
        error: &str,
        cause: &str,
    ) -> Result<&Outcome, CallbackError> {
        self.answer(
            token,
            CallbackResponse::Failure {
                error: error.into(),
                cause: cause.into(),
            },
        )
    }

    /// `SendTaskHeartbeat`: restarts the task's `HeartbeatSeconds` timer, at the current
    /// virtual time.
    pub fn send_task_heartbeat(&mut self, token: &str) -> Result<&Outcome, CallbackError> {
        self.answer(token, CallbackResponse::Heartbeat)
    }

    /// Lets virtual time pass to the next timer (a heartbeat or task timeout, a Wait elsewhere,
    /// the machine's deadline) and runs on. Does nothing if no timer is set.
    pub fn resume(&mut self) -> &Outcome {
        if let Some(next) = self.next_event() {
            self.drive(Some(next));
        }
        &self.outcome
    }

    /// Lets `seconds` of virtual time pass, firing every timer due on the way, and runs on.
    pub fn advance(&mut self, seconds: f64) -> &Outcome {
        let until = self
            .rt
            .clock
            .now()
            .saturating_add(seconds_to_millis(seconds));
        self.drive(Some(until));
        &self.outcome
    }

    fn answer(
        &mut self,
        token: &str,
        response: CallbackResponse,
    ) -> Result<&Outcome, CallbackError> {
        if self.root.is_none() {
            return Err(CallbackError::UnknownToken(token.to_string()));
        }
        self.rt.callbacks.respond(token, response)?;
        self.at_rest = false;
        self.drive(None);
        Ok(&self.outcome)
    }

    fn next_event(&self) -> Option<Millis> {
        match (self.rt.clock.next_deadline(), self.deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Polls the execution; when it is stuck, moves the clock to the next timer. With `until`,
    /// time may pass up to it even while tokens are outstanding.
    /// Runs what is due until the virtual clock reaches `until` and stops there (or where the
    /// execution ends), whatever the execution waits for.
    pub fn run_until(&mut self, until: Millis) -> &Outcome {
        self.drive_until(until);
        &self.outcome
    }

    fn drive_until(&mut self, until: Millis) {
        // At rest and no timer due by `until`: the polls below would only move the clock (the
        // futures wake on timers and answers alone), and the pending tasks are unchanged.
        if self.at_rest && self.next_event().is_none_or(|n| n > until) {
            self.move_clock(until);
            return;
        }
        self.at_rest = false;
        loop {
            let Some(root) = self.root.as_mut() else {
                return;
            };
            if let Poll::Ready(result) = root.as_mut().poll(&mut Context::from_waker(Waker::noop()))
            {
                self.finish(result);
                return;
            }
            let next = self.next_event();
            let Some(t) = next.filter(|n| *n <= until) else {
                if until > self.rt.clock.now() {
                    self.move_clock(until);
                    continue;
                }
                self.outcome = Outcome::Parked {
                    tasks: self.rt.callbacks.pending(),
                };
                self.at_rest = true;
                return;
            };
            self.move_clock(t);
            if self.deadline.is_some_and(|d| t >= d) {
                self.time_out();
                return;
            }
        }
    }

    fn drive(&mut self, mut until: Option<Millis>) {
        self.at_rest = false;
        if self.stepped {
            let now = self.rt.clock.now();
            return self.drive_until(until.unwrap_or(now).max(now));
        }
        loop {
            let Some(root) = self.root.as_mut() else {
                return;
            };
            if let Poll::Ready(result) = root.as_mut().poll(&mut Context::from_waker(Waker::noop()))
            {
                self.finish(result);
                return;
            }
            let next = self.next_event();
            match until {
                Some(u) if next.is_none_or(|n| n > u) => {
                    self.move_clock(u);
                    until = None;
                    continue;
                }
                Some(_) => {}
                None if self.rt.callbacks.any_pending() => {
                    self.outcome = Outcome::Parked {
                        tasks: self.rt.callbacks.pending(),
                    };
                    return;
                }
                None => {}
            }
            let Some(t) = next else {
                self.finish(Err(Failure::runtime(
                    "the execution cannot make progress: nothing is scheduled and no task is waiting for a token",
                )));
                return;
            };
            self.move_clock(t);
            if self.deadline.is_some_and(|d| t >= d) {
                self.time_out();
                return;
            }
        }
    }

    /// The machine's `TimeoutSeconds` passed.
    fn time_out(&mut self) {
        self.root = None;
        self.outcome = Outcome::TimedOut {
            cause: "The execution ran longer than the state machine's TimeoutSeconds".into(),
        };
        self.record_end("ExecutionTimedOut", || {
            history::error_details(
                "executionTimedOutEventDetails",
                Some(names::TIMEOUT),
                Some("The execution ran longer than the state machine's TimeoutSeconds"),
            )
        });
    }

    fn move_clock(&self, t: Millis) {
        if self.real_time {
            let wait = t - self.rt.clock.now();
            if wait > 0 {
                std::thread::sleep(Duration::from_millis(wait as u64));
            }
        }
        self.rt.clock.advance_to(t);
    }

    fn finish(&mut self, result: Result<Output, Failure>) {
        // Dropping the root cancels whatever still runs (timers, tokens).
        self.root = None;
        match result {
            Ok(output) => {
                let history = &self.rt.history;
                if history.enabled() {
                    let text = match output.text {
                        Some(text) => text,
                        None => history.keep(&output.value).0,
                    };
                    self.cursor.set(history.last_id());
                    history.record_execution(&self.cursor, self.rt.clock.now(), false, text);
                }
                self.outcome = Outcome::Succeeded {
                    output: output.value,
                };
            }
            Err(failure) => {
                self.record_end("ExecutionFailed", || {
                    history::error_details(
                        "executionFailedEventDetails",
                        failure.error.as_deref(),
                        failure.cause.as_deref(),
                    )
                });
                self.outcome = Outcome::Failed {
                    error: failure.error,
                    cause: failure.cause,
                };
            }
        }
    }

    /// The last event, after whichever event came last in any branch.
    fn record_end(
        &self,
        kind: &'static str,
        details: impl FnOnce() -> Option<(&'static str, Value)>,
    ) {
        self.cursor.set(self.rt.history.last_id());
        self.rt
            .history
            .record(&self.cursor, self.rt.clock.now(), kind, details);
    }
}

impl std::fmt::Debug for Execution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Execution")
            .field("arn", &self.rt.info.arn)
            .field("now", &format_timestamp(self.rt.clock.now()))
            .field("outcome", &self.outcome)
            .finish()
    }
}
