//! The local ASL engine: runs any ASL definition with AWS Step Functions semantics, on virtual
//! time, in-process. It interprets the one ASL model of `wfc_compiler::asl`.
//!
//! ```no_run
//! use wfc_engine::{Engine, Handlers, Outcome, TaskOutcome};
//! let machine = wfc_compiler::asl::parse(r#"{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}"#, "doc").unwrap();
//! let engine = Engine::new(machine)
//!     .with_handlers(Handlers::new().lambda("probe", |r: &wfc_engine::TaskRequest| TaskOutcome::Succeeded(r.payload.clone())));
//! let report = engine.run(serde_json::json!({"x": 1}));
//! assert!(matches!(report.outcome, Outcome::Succeeded { .. }));
//! ```
//!
//! Modules mirror the spec:
//! - `data`: the data layer (paths, payload templates, intrinsic functions, Choice rules) as
//!   pure functions over `serde_json::Value`;
//! - `states`: one module per state type, plus the scope runner and the JSONPath pipeline;
//! - `retry`: Retry and Catch; `error`: error names;
//! - `clock`: virtual time; `execution`: the executor and the public API;
//! - `dispatch`: the task handler trait and its implementations (in-process, Lambda HTTP,
//!   callbacks); `history`: `GetExecutionHistory`-shaped events; `jsonata`: JSONata mode.

mod clock;
pub mod data;
pub mod dispatch;
mod error;
mod execution;
pub mod history;
mod jsonata;
mod program;
mod retry;
mod runtime;
mod states;

pub use clock::{format_timestamp, parse_timestamp, Millis};
pub use dispatch::callback::{CallbackError, PendingTask};
pub use dispatch::{Handlers, LambdaHttp, TaskHandler, TaskOutcome, TaskRequest};
pub use error::{names, Failure};
pub use execution::{Engine, Execution, Options, Outcome, Report, DEFAULT_START_TIME};
pub use history::{EventLog, HistoryEvent};
pub use runtime::PAYLOAD_LIMIT;
