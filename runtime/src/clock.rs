//! The one clock executions read: wall time that advances with tokio's clock.
//!
//! Timestamps (`$$.State.EnteredTime`, history events, durable deadlines) and sleeps must agree:
//! a Wait of an hour ends an hour of timestamps later. Wall time is read once per process and
//! advanced by `tokio::time::Instant`, so a test that pauses tokio's clock
//! (`#[tokio::test(start_paused = true)]`) sees deadlines pass at once and timestamps move by
//! exactly the time waited, while a real process sees wall time.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};

/// When the clock was first read: tokio's instant and wall time in nanoseconds since the epoch
/// (integers, so each reading is one addition rather than chrono's checked arithmetic).
static ANCHOR: OnceLock<(std::time::Instant, i64)> = OnceLock::new();

/// Milliseconds added to wall time by [`jump`] (a simulated change of the machine's clock).
static JUMPED_MS: AtomicI64 = AtomicI64::new(0);

/// Moves this process's wall time by `by` (negative: backwards), as a change of the machine's
/// clock would if it were read again: timestamps and the times compared in the store (leases,
/// executions at rest) move; sleeps already running keep their monotonic deadlines. For fault
/// tests: a jump backwards delays durable timers by at most the jump, a jump forwards makes
/// those then due fire. Process-wide: a test that jumps should run alone in its binary.
pub fn jump(by: chrono::Duration) {
    JUMPED_MS.fetch_add(by.num_milliseconds(), Ordering::SeqCst);
}

/// Now, on the executions' clock.
pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_nanos(now_nanos())
}

/// Nanoseconds since the Unix epoch, on the executions' clock (saturating: representable
/// until the year 2262).
pub(crate) fn now_nanos() -> i64 {
    wall_nanos(tokio::time::Instant::now())
}

/// One reading of the clock: the time (nanoseconds since the epoch) and the runtime's instant
/// it was read at (what a deadline counts from).
pub(crate) fn reading() -> (i64, tokio::time::Instant) {
    let instant = tokio::time::Instant::now();
    (wall_nanos(instant), instant)
}

/// The time at `reading`, a runtime instant.
fn wall_nanos(reading: tokio::time::Instant) -> i64 {
    let (instant, wall) = ANCHOR.get_or_init(|| {
        let wall = Utc::now().timestamp_nanos_opt().unwrap_or(i64::MAX);
        (tokio::time::Instant::now().into_std(), wall)
    });
    // Signed: a runtime whose (paused) clock reads before the anchor another runtime set
    // still sees its own time advance by exactly what it waits.
    let reading = reading.into_std();
    let nanos = |d: Duration| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX);
    let since = match reading.checked_duration_since(*instant) {
        Some(d) => nanos(d),
        None => -nanos(instant.duration_since(reading)),
    };
    wall.saturating_add(since)
        .saturating_add(JUMPED_MS.load(Ordering::Relaxed).saturating_mul(1_000_000))
}

/// Milliseconds since the Unix epoch, on the executions' clock.
pub fn now_millis() -> i64 {
    now_nanos().div_euclid(1_000_000)
}

/// How long until `t` (zero when it has passed).
pub fn until(t: DateTime<Utc>) -> Duration {
    (t - now()).to_std().unwrap_or(Duration::ZERO)
}

/// Sleeps until `t` on tokio's clock.
pub async fn sleep_until(t: DateTime<Utc>) {
    tokio::time::sleep(until(t)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn advances_with_paused_time() {
        let a = now();
        tokio::time::sleep(Duration::from_secs(3600)).await;
        let b = now();
        let d = (b - a).num_seconds();
        assert_eq!(d, 3600);
        assert_eq!(until(a), Duration::ZERO);
    }
}
