//! Map Runs (MAP-17): what a Distributed Map's run of child executions reports, as
//! `DescribeMapRun` gives it: status, dates, concurrency, tolerance and the counts of items
//! and child executions by status.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// A Map Run's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapRunStatus {
    /// Its children are running.
    Running,
    /// Every child ended and the Map succeeded.
    Succeeded,
    /// It failed (tolerance exceeded, reader or writer failure).
    Failed,
    /// It was stopped.
    Aborted,
}

impl MapRunStatus {
    /// As AWS spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            MapRunStatus::Running => "RUNNING",
            MapRunStatus::Succeeded => "SUCCEEDED",
            MapRunStatus::Failed => "FAILED",
            MapRunStatus::Aborted => "ABORTED",
        }
    }

    /// The status AWS spells `s` (`RUNNING`, …), if it is one.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "RUNNING" => MapRunStatus::Running,
            "SUCCEEDED" => MapRunStatus::Succeeded,
            "FAILED" => MapRunStatus::Failed,
            "ABORTED" => MapRunStatus::Aborted,
            _ => return None,
        })
    }
}

/// Counts by status, of items or of child executions (`itemCounts`, `executionCounts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MapRunCounts {
    /// Not started yet.
    pub pending: u64,
    /// Running.
    pub running: u64,
    /// Succeeded.
    pub succeeded: u64,
    /// Failed.
    pub failed: u64,
    /// Timed out.
    pub timed_out: u64,
    /// Aborted.
    pub aborted: u64,
    /// All of them.
    pub total: u64,
    /// Whose results were written (to the Map's output or by its `ResultWriter`).
    pub results_written: u64,
}

impl MapRunCounts {
    /// Counts as `DescribeMapRun` gives them (absent members read as 0).
    pub(crate) fn from_json(v: &Value) -> MapRunCounts {
        let n = |k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(0);
        MapRunCounts {
            pending: n("pending"),
            running: n("running"),
            succeeded: n("succeeded"),
            failed: n("failed"),
            timed_out: n("timedOut"),
            aborted: n("aborted"),
            total: n("total"),
            results_written: n("resultsWritten"),
        }
    }

    /// As `DescribeMapRun` gives them.
    pub(crate) fn to_json(self) -> Value {
        json!({
            "aborted": self.aborted,
            "failed": self.failed,
            "pending": self.pending,
            "resultsWritten": self.results_written,
            "running": self.running,
            "succeeded": self.succeeded,
            "timedOut": self.timed_out,
            "total": self.total,
        })
    }
}

/// A Map Run, as `DescribeMapRun` describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct MapRun {
    /// Its ARN: `…:mapRun:<machine>/<label or state>:<id>`.
    pub map_run_arn: String,
    /// The execution whose Map state started it.
    pub execution_arn: String,
    /// Its status.
    pub status: MapRunStatus,
    /// When it started.
    pub start_date: DateTime<Utc>,
    /// When it ended.
    pub stop_date: Option<DateTime<Utc>>,
    /// Child executions at most at once (`MaxConcurrency`; 0 = no limit).
    pub max_concurrency: u64,
    /// `ToleratedFailureCount` (0 when not set).
    pub tolerated_failure_count: u64,
    /// `ToleratedFailurePercentage` (0 when not set).
    pub tolerated_failure_percentage: f64,
    /// Items by status.
    pub item_counts: MapRunCounts,
    /// Child executions by status (one per batch with an `ItemBatcher`).
    pub execution_counts: MapRunCounts,
    /// Times it was redriven (with its execution).
    pub redrive_count: u32,
    /// Its last redrive.
    pub redrive_date: Option<DateTime<Utc>>,
}

impl MapRun {
    /// The `DescribeMapRun` response.
    pub fn to_json(&self) -> Value {
        let date = |d: &DateTime<Utc>| json!(d.timestamp_millis() as f64 / 1000.0);
        let mut v = json!({
            "executionArn": self.execution_arn,
            "executionCounts": self.execution_counts.to_json(),
            "itemCounts": self.item_counts.to_json(),
            "mapRunArn": self.map_run_arn,
            "maxConcurrency": self.max_concurrency,
            "startDate": date(&self.start_date),
            "status": self.status.as_str(),
            "toleratedFailureCount": self.tolerated_failure_count,
            "toleratedFailurePercentage": self.tolerated_failure_percentage,
        });
        if let Value::Object(m) = &mut v {
            if let Some(stop) = &self.stop_date {
                m.insert("stopDate".into(), date(stop));
            }
            // A Map Run never redriven has no redrive members (recorded:
            // itemreader/map_run/list_map_runs_and_describe_map_run).
            if self.redrive_count > 0 {
                m.insert("redriveCount".into(), self.redrive_count.into());
            }
            if let Some(d) = &self.redrive_date {
                m.insert("redriveDate".into(), date(d));
            }
        }
        v
    }
}

/// The Map Runs of one execution, shared by its branches and children.
pub(super) type MapRuns = Arc<Mutex<Vec<MapRun>>>;

/// One Map Run in progress: updates its record in the execution's [`MapRuns`].
pub(super) struct Tracker {
    runs: MapRuns,
    index: usize,
    /// The execution and Map state, for `MapRunAborted`.
    exec: Arc<super::Exec>,
    state: &'static str,
}

/// A Map Run dropped before it ended (its execution stopped) is aborted.
impl Drop for Tracker {
    fn drop(&mut self) {
        let mut aborted = false;
        self.with(|r| {
            if r.status == MapRunStatus::Running {
                aborted = true;
                r.status = MapRunStatus::Aborted;
                r.stop_date = Some(Utc::now());
                for c in [&mut r.execution_counts, &mut r.item_counts] {
                    c.aborted += c.running;
                    c.running = 0;
                }
            }
        });
        // Its execution stopped: the history says so before `ExecutionAborted`.
        if aborted {
            self.exec.record("MapRunAborted", Some(self.state));
        }
    }
}

impl Tracker {
    pub(super) fn start(exec: &Arc<super::Exec>, state: &'static str, run: MapRun) -> Tracker {
        let runs = exec.runs();
        let mut all = runs.lock().unwrap_or_else(|e| e.into_inner());
        all.push(run);
        Tracker {
            runs: Arc::clone(runs),
            index: all.len() - 1,
            exec: Arc::clone(exec),
            state,
        }
    }

    fn with(&self, f: impl FnOnce(&mut MapRun)) {
        let mut all = self.runs.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(r) = all.get_mut(self.index) {
            f(r);
        }
    }

    /// The Map Run's ARN.
    pub(super) fn arn(&self) -> String {
        let all = self.runs.lock().unwrap_or_else(|e| e.into_inner());
        all.get(self.index)
            .map(|r| r.map_run_arn.clone())
            .unwrap_or_default()
    }

    /// The Map Run as it stands.
    pub(super) fn snapshot(&self) -> Option<MapRun> {
        let all = self.runs.lock().unwrap_or_else(|e| e.into_inner());
        all.get(self.index).cloned()
    }

    /// It continues a stored Map Run (its execution resumed).
    pub(super) fn resumed(
        &self,
        start: DateTime<Utc>,
        redrive_count: u32,
        redrive_date: Option<DateTime<Utc>>,
    ) {
        self.with(|r| {
            r.start_date = start;
            r.redrive_count = redrive_count;
            r.redrive_date = redrive_date;
        });
    }

    /// It redrives a stored Map Run (its execution was redriven).
    pub(super) fn redriven(&self, start: DateTime<Utc>, redrive_count: u32) {
        self.with(|r| {
            r.start_date = start;
            r.redrive_count = redrive_count;
            r.redrive_date = Some(Utc::now());
        });
    }

    /// A child started with `items` items.
    pub(super) fn started(&self, items: u64) {
        self.with(|r| {
            r.execution_counts.total += 1;
            r.execution_counts.running += 1;
            r.item_counts.total += items;
            r.item_counts.running += items;
        });
    }

    /// A child ended: `ok` or failed (`timed_out` when by a timeout).
    pub(super) fn ended(&self, items: u64, ok: bool, timed_out: bool) {
        self.with(|r| {
            for (c, n) in [(&mut r.execution_counts, 1), (&mut r.item_counts, items)] {
                c.running = c.running.saturating_sub(n);
                if ok {
                    c.succeeded += n;
                } else if timed_out {
                    c.timed_out += n;
                } else {
                    c.failed += n;
                }
                c.results_written += n;
            }
        });
    }

    /// The Map Run ended with `status`: children still running are aborted.
    pub(super) fn finish(&self, status: MapRunStatus) {
        self.with(|r| {
            r.status = status;
            r.stop_date = Some(Utc::now());
            for c in [&mut r.execution_counts, &mut r.item_counts] {
                c.aborted += c.running;
                c.running = 0;
            }
        });
    }
}
