//! How AWS links history events: each event's `previousEventId` (EXEC-7).
//!
//! AWS does not link an event to the one recorded just before it in every case. Its decider
//! records several events from one look at the history, and those share one predecessor:
//!
//! - `ExecutionStarted` links to nothing (0), and so does the first state's entry: the start
//!   is not a predecessor. `ExecutionAborted` (a StopExecution from outside) links to 0 too.
//! - An inline Map iteration's `MapIterationSucceeded` or `MapIterationFailed` links to the
//!   iteration's last event, and so does whatever the Map does next (the next
//!   `MapIterationStarted`, a retry's `MapStateStarted`, `MapStateFailed`): the iteration's end
//!   is recorded beside it, not after it.
//! - `MapStateSucceeded` links to the end of the last iteration (`MapIterationSucceeded`), and
//!   `MapStateExited` to the same event; for a Distributed Map it links to `MapRunSucceeded`,
//!   and `MapStateExited` to `MapRunStarted`.
//! - `ParallelStateSucceeded` links to the branches' last event, and `ParallelStateExited`
//!   to the same event. A failed branch's `…StateAborted` links to its last event, and the
//!   Parallel's retry (`ParallelStateStarted`) or `ParallelStateFailed` to the same.
//! - `EvaluationFailed` raised while a state is entered (a Map's `Items`, a Pass's `Output`)
//!   links to what the entry links to; a Wait evaluates its time after its entry, so its
//!   failure links to the entry.
//!
//! The rules were read off the executions recorded on AWS in the conformance corpus, where they
//! hold for every recording made since November 2024 (older Distributed Map recordings link
//! `MapStateExited` to `MapRunSucceeded`; AWS has changed that since). Events of concurrent
//! Parallel branches are linked in the order they were recorded here.

/// Links events to their predecessors as they are recorded, one call per event in id order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Linker {
    /// The event the next ordinary event links to (0: none yet).
    last: u64,
    /// The end of the last Map iteration or Map Run: `(id, inline iteration?)`.
    completion: Option<(u64, bool)>,
    /// What the event just before linked to, when it was a state's entry that evaluates its
    /// fields as it is entered.
    entered_prev: Option<u64>,
}

impl Linker {
    /// The linker as it is right after event `id` of type `kind`, whatever came before it,
    /// if `kind` is one that leaves nothing of the earlier events in it (`ExecutionStarted`,
    /// which is event 1, and `MapIterationStarted`): linking a page of a long history starts
    /// at the last such event before it instead of the first event.
    #[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
    pub fn after(id: u64, kind: &str) -> Option<Linker> {
        match kind {
            "ExecutionStarted" => Some(Linker::default()),
            "MapIterationStarted" => Some(Linker {
                last: id,
                completion: None,
                entered_prev: None,
            }),
            _ => None,
        }
    }

    /// The `previousEventId` of event `id` of type `kind`, recorded next.
    pub fn link(&mut self, id: u64, kind: &str) -> u64 {
        let prev = match kind {
            "ExecutionStarted" | "ExecutionAborted" => 0,
            "MapIterationSucceeded" => {
                self.completion = Some((id, true));
                self.last
            }
            "MapRunSucceeded" => {
                self.completion = Some((id, false));
                self.last
            }
            "MapIterationFailed" | "ParallelStateSucceeded" => self.last,
            // The Map's failure follows its Map Run's (recorded:
            // itemreader/csv/map_item_reader_csv_max_items_paths_-1).
            "MapRunFailed" => {
                let prev = self.last;
                self.last = id;
                prev
            }
            _ if kind.ends_with("StateAborted") => self.last,
            "MapStateSucceeded" => match self.completion.take() {
                Some((c, inline)) => {
                    if inline {
                        self.last = c;
                    }
                    c
                }
                None => self.last,
            },
            "EvaluationFailed" => {
                let prev = self.entered_prev.unwrap_or(self.last);
                self.last = id;
                prev
            }
            _ => {
                let prev = self.last;
                self.last = id;
                prev
            }
        };
        if kind == "MapIterationStarted" {
            self.completion = None;
        }
        self.entered_prev =
            (kind.ends_with("StateEntered") && kind != "WaitStateEntered").then_some(prev);
        prev
    }
}

/// The `previousEventId` of each event of a history, given the events' types in id order.
#[cfg(test)]
fn previous_event_ids<'a>(events: impl IntoIterator<Item = (u64, &'a str)>) -> Vec<u64> {
    let mut l = Linker::default();
    events.into_iter().map(|(id, k)| l.link(id, k)).collect()
}

#[cfg(test)]
mod tests {
    use super::previous_event_ids;

    fn links(kinds: &[&str]) -> Vec<u64> {
        previous_event_ids(kinds.iter().enumerate().map(|(i, k)| (i as u64 + 1, *k)))
    }

    // Recorded on AWS: cases/map/map_state_nested (two items, inner Maps of one item here).
    /// `Linker::after` is the state linking every event up to a reset leaves.
    #[test]
    fn a_reset_leaves_the_same_linker_as_the_events_before_it() {
        use super::Linker;
        let kinds = [
            "ExecutionStarted",
            "ParallelStateEntered",
            "MapStateEntered",
            "MapStateStarted",
            "MapIterationStarted",
            "PassStateEntered",
            "MapIterationSucceeded",
            "WaitStateEntered",
            "MapIterationStarted",
            "TaskStateEntered",
            "MapIterationFailed",
            "MapIterationStarted",
            "MapRunSucceeded",
            "MapIterationStarted",
            "EvaluationFailed",
            "MapIterationStarted",
        ];
        let mut linker = Linker::default();
        for (i, kind) in kinds.iter().enumerate() {
            let id = i as u64 + 1;
            linker.link(id, kind);
            if let Some(reset) = Linker::after(id, kind) {
                assert_eq!(reset, linker, "after event {id} ({kind})");
            }
        }
    }

    #[test]
    fn inline_map_iterations_link_beside_their_end() {
        let kinds = [
            "ExecutionStarted",
            "MapStateEntered",
            "MapStateStarted",
            "MapIterationStarted",
            "PassStateEntered",
            "PassStateExited",
            "MapIterationSucceeded",
            "MapIterationStarted",
            "PassStateEntered",
            "PassStateExited",
            "MapIterationSucceeded",
            "MapStateSucceeded",
            "MapStateExited",
            "ExecutionSucceeded",
        ];
        assert_eq!(
            links(&kinds),
            [0, 0, 2, 3, 4, 5, 6, 6, 8, 9, 10, 11, 11, 13]
        );
    }

    // cases/map/map_state_config_distributed_item_selector_parameters (recorded 2024-11-15).
    #[test]
    fn distributed_map_exit_links_to_the_run_start() {
        let kinds = [
            "ExecutionStarted",
            "PassStateEntered",
            "PassStateExited",
            "MapStateEntered",
            "MapStateStarted",
            "MapRunStarted",
            "MapRunSucceeded",
            "MapStateSucceeded",
            "MapStateExited",
            "SucceedStateEntered",
        ];
        assert_eq!(links(&kinds), [0, 0, 2, 3, 4, 5, 6, 7, 6, 9]);
    }

    // cases/map/map_state_retry: a failed iteration, then the Map's retry.
    #[test]
    fn failed_iteration_and_retry_link_to_the_iteration_end() {
        let kinds = [
            "ExecutionStarted",
            "MapStateEntered",
            "MapStateStarted",
            "MapIterationStarted",
            "FailStateEntered",
            "MapIterationFailed",
            "MapStateStarted",
            "MapIterationStarted",
            "FailStateEntered",
            "MapIterationFailed",
            "MapStateFailed",
            "ExecutionFailed",
        ];
        assert_eq!(links(&kinds), [0, 0, 2, 3, 4, 5, 5, 7, 8, 9, 9, 11]);
    }

    // cases/map/map_state_items_input_types_string and cases/wait/wait_timestamp_jsonata_NO_T.
    #[test]
    fn evaluation_failures_link_as_the_state_evaluates() {
        let map = [
            "ExecutionStarted",
            "PassStateEntered",
            "PassStateExited",
            "MapStateEntered",
            "EvaluationFailed",
            "MapStateFailed",
            "ExecutionFailed",
        ];
        assert_eq!(links(&map), [0, 0, 2, 3, 3, 5, 6]);
        let wait = [
            "ExecutionStarted",
            "WaitStateEntered",
            "EvaluationFailed",
            "ExecutionFailed",
        ];
        assert_eq!(links(&wait), [0, 0, 2, 3]);
    }

    #[test]
    fn parallel_exit_links_beside_the_success() {
        let kinds = [
            "ExecutionStarted",
            "ParallelStateEntered",
            "ParallelStateStarted",
            "PassStateEntered",
            "PassStateExited",
            "ParallelStateSucceeded",
            "ParallelStateExited",
            "ExecutionSucceeded",
        ];
        assert_eq!(links(&kinds), [0, 0, 2, 3, 4, 5, 5, 7]);
    }

    // tasks/states_error_output/parallel_catch_error_PARALLEL_CATCH_ERROR_OUTPUT_WITH_RETRY.
    #[test]
    fn an_aborted_branch_state_links_beside_the_retry() {
        let kinds = [
            "ExecutionStarted",
            "ParallelStateEntered",
            "ParallelStateStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskFailed",
            "TaskStateAborted",
            "ParallelStateStarted",
        ];
        assert_eq!(links(&kinds), [0, 0, 2, 3, 4, 5, 6, 7, 7]);
    }
}
