//! The activities' clock: the wall clock on AWS, the virtual clock in the drill (`wfc drill`),
//! so that the age of a datapoint or the time written into a record follows the simulated world.
//! Sleeps and timeouts use tokio's clock (`tokio::time::Instant`), which the drill pauses and
//! advances; on AWS both are the system's.

use std::time::SystemTime;

pub trait Clock: Send + Sync {
    fn now(&self) -> SystemTime;
}

/// The system clock: what every activity uses on AWS.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}
