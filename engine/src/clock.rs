//! Virtual time. Waits, retry intervals, task timeouts and heartbeats are timers on this clock;
//! nothing sleeps. The executor (`execution.rs`) runs the execution until every branch is
//! blocked, then moves the clock to the earliest timer and wakes it: a one-year Wait costs the
//! same microseconds as a one-second one, and two branches waiting 5 s and 7 s end at 7 s.
//!
//! Times are milliseconds since the Unix epoch (`i64`), so `$$.State.EnteredTime`, `Timestamp`
//! waits and history timestamps all read the same clock.

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// Milliseconds since the Unix epoch, on the virtual clock.
pub type Millis = i64;

#[derive(Default)]
struct Inner {
    now: Millis,
    next_id: u64,
    /// Deadlines in order; an entry whose id is no longer in `live` was cancelled.
    heap: BinaryHeap<Reverse<(Millis, u64)>>,
    /// Timers not yet fired or dropped, with the waker of the future waiting on each.
    live: HashMap<u64, Option<Waker>>,
}

/// The virtual clock and its timers. Single-threaded: the whole execution runs on one thread.
pub struct Clock {
    inner: RefCell<Inner>,
}

impl Clock {
    pub fn new(start: Millis) -> Clock {
        Clock {
            inner: RefCell::new(Inner {
                now: start,
                ..Inner::default()
            }),
        }
    }

    pub fn now(&self) -> Millis {
        self.inner.borrow().now
    }

    /// A future that completes once the clock reaches `deadline` (at once if it has).
    pub fn sleep_until(&self, deadline: Millis) -> Sleep<'_> {
        Sleep {
            clock: self,
            deadline,
            id: None,
        }
    }

    /// A future that completes `seconds` from now (fractions kept to the millisecond).
    pub fn sleep(&self, seconds: f64) -> Sleep<'_> {
        self.sleep_until(self.now().saturating_add(seconds_to_millis(seconds)))
    }

    /// The earliest deadline of a live timer.
    pub fn next_deadline(&self) -> Option<Millis> {
        let mut inner = self.inner.borrow_mut();
        while let Some(Reverse((deadline, id))) = inner.heap.peek().copied() {
            if inner.live.contains_key(&id) {
                return Some(deadline);
            }
            inner.heap.pop();
        }
        None
    }

    /// Moves the clock to `t` (never backwards) and wakes every timer due by then.
    pub fn advance_to(&self, t: Millis) {
        let mut due = Vec::new();
        {
            let mut inner = self.inner.borrow_mut();
            inner.now = inner.now.max(t);
            let now = inner.now;
            while let Some(Reverse((deadline, id))) = inner.heap.peek().copied() {
                if deadline > now {
                    break;
                }
                inner.heap.pop();
                if let Some(Some(waker)) = inner.live.remove(&id) {
                    due.push(waker);
                }
            }
        }
        // Woken outside the borrow: a waker may poll code that reads the clock.
        due.into_iter().for_each(Waker::wake);
    }
}

/// Seconds (possibly fractional, e.g. after a backoff of 1.5) to whole milliseconds.
pub fn seconds_to_millis(seconds: f64) -> Millis {
    if seconds.is_finite() && seconds > 0.0 {
        (seconds * 1000.0).round().min(i64::MAX as f64) as Millis
    } else {
        0
    }
}

/// A timer on the virtual clock. Dropping it (a branch cancelled, a task that finished before
/// its timeout) cancels the timer, so the clock never advances for nothing.
pub struct Sleep<'a> {
    clock: &'a Clock,
    deadline: Millis,
    id: Option<u64>,
}

impl Future for Sleep<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut inner = self.clock.inner.borrow_mut();
        if inner.now >= self.deadline {
            if let Some(id) = self.id {
                inner.live.remove(&id);
            }
            drop(inner);
            self.id = None;
            return Poll::Ready(());
        }
        match self.id {
            Some(id) => {
                inner.live.insert(id, Some(cx.waker().clone()));
            }
            None => {
                let id = inner.next_id;
                inner.next_id += 1;
                inner.heap.push(Reverse((self.deadline, id)));
                inner.live.insert(id, Some(cx.waker().clone()));
                drop(inner);
                self.id = Some(id);
            }
        }
        Poll::Pending
    }
}

impl Drop for Sleep<'_> {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            self.clock.inner.borrow_mut().live.remove(&id);
        }
    }
}

/// `2024-01-01T00:00:00.000Z`: the form AWS uses for `$$.Execution.StartTime`,
/// `$$.State.EnteredTime` and history timestamps.
pub fn format_timestamp(t: Millis) -> String {
    match chrono::DateTime::from_timestamp_millis(t) {
        Some(dt) => dt.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        None => t.to_string(),
    }
}

/// Parses an RFC 3339 timestamp (`2016-03-14T01:59:00Z`, offsets and fractions allowed).
pub fn parse_timestamp(text: &str) -> Option<Millis> {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|dt| dt.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Waker;

    fn poll_once(f: &mut Pin<&mut Sleep<'_>>) -> Poll<()> {
        f.as_mut().poll(&mut Context::from_waker(Waker::noop()))
    }

    #[test]
    fn timers_fire_in_deadline_order_and_dropped_ones_are_forgotten() {
        let clock = Clock::new(1_000);
        let mut a = std::pin::pin!(clock.sleep(5.0));
        let mut b = std::pin::pin!(clock.sleep(2.5));
        assert!(poll_once(&mut a).is_pending());
        assert!(poll_once(&mut b).is_pending());
        assert_eq!(clock.next_deadline(), Some(3_500));
        clock.advance_to(3_500);
        assert!(poll_once(&mut b).is_ready());
        assert!(poll_once(&mut a).is_pending());
        {
            let mut c = Box::pin(clock.sleep(1.0));
            assert!(c
                .as_mut()
                .poll(&mut Context::from_waker(Waker::noop()))
                .is_pending());
            assert_eq!(clock.next_deadline(), Some(4_500));
        }
        // `c` was dropped: its timer no longer holds the clock back.
        assert_eq!(clock.next_deadline(), Some(6_000));
    }

    #[test]
    fn timestamps_round_trip() {
        let t = parse_timestamp("2016-03-14T01:59:00Z").unwrap();
        assert_eq!(format_timestamp(t), "2016-03-14T01:59:00.000Z");
        assert_eq!(
            parse_timestamp("2016-03-14T02:59:00+01:00"),
            Some(t),
            "offsets are honoured"
        );
        assert_eq!(parse_timestamp("yesterday"), None);
    }
}
