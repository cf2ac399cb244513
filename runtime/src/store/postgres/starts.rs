//! Starting executions together: the creates of many callers (clients starting executions at
//! once, a Map Run's children) queue up and are inserted in one statement (`queue`): one
//! round trip and one transaction for the batch, where a create alone took four round trips
//! and a transaction of its own.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::PostgresStore;
use super::pool::transaction;
use super::queue::{Answers, Keyed, Queue};
use super::rows::{count, get_record, ms};
use crate::store::{Created, ExecutionRecord, StoreError, StoreFuture, payloads};

/// The most executions created in one statement.
const MAX_BATCH: usize = 256;

/// The most batches running at once (see `queue`).
const BATCHES_AT_ONCE: usize = 2;

/// A create: the execution, the worker that runs it (none: any worker claims it), its lease.
pub(super) struct Start {
    record: ExecutionRecord,
    worker: Option<String>,
    lease_until: DateTime<Utc>,
}

/// One create per execution id in a batch: a second start of the same id (a client
/// repeating its request) finds the first one's execution.
impl Keyed for Start {
    fn key(&self) -> &str {
        &self.record.id
    }
}

/// Creates waiting for the next batch.
pub(super) type Starts = Queue<Start, Created>;

/// A queue for creates.
pub(super) fn starts() -> Starts {
    Queue::new(MAX_BATCH, BATCHES_AT_ONCE)
}

/// Inserts the batch's executions that do not exist yet (`ON CONFLICT DO NOTHING`), with
/// their `ExecutionStarted` events and shared payloads; returns the ids inserted. In id
/// order: two processes creating some of the same ids wait for each other in one order, not
/// in a deadlock.
const CREATE_MANY: &str = "\
WITH v AS (
    SELECT * FROM unnest($1::TEXT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::TEXT[],
        $6::TEXT[], $7::BIGINT[], $8::TEXT[], $9::TEXT[], $10::BIGINT[], $11::TEXT[],
        $12::BIGINT[], $13::TEXT[])
        AS v(id, workflow, name, state_machine_arn, role_arn, input, start_ms, secret,
            lease_owner, lease_until, map_run, map_items, started)
), inserted AS (
    INSERT INTO executions (id, workflow, name, state_machine_arn, role_arn, status, input,
        start_ms, secret, lease_owner, lease_until, events, map_run, map_items)
    SELECT id, workflow, name, state_machine_arn, role_arn, 'RUNNING', input, start_ms,
        secret, lease_owner, lease_until, 1, map_run, map_items FROM v ORDER BY id
    ON CONFLICT (id) DO NOTHING
    RETURNING id
), shared AS (
    INSERT INTO payloads (execution, hash, body)
    SELECT * FROM unnest($14::TEXT[], $15::TEXT[], $16::TEXT[]) AS p(execution, hash, body)
    WHERE p.execution IN (SELECT id FROM inserted)
    ON CONFLICT DO NOTHING
), started AS (
    INSERT INTO events (execution, id, type, state, ts_ms, details)
    SELECT v.id, 1, 'ExecutionStarted', NULL, v.start_ms, v.started FROM v
    WHERE v.id IN (SELECT id FROM inserted)
)
SELECT id FROM inserted";

/// The batch, column by column (for `unnest`).
#[derive(Default)]
struct Columns {
    id: Vec<String>,
    workflow: Vec<String>,
    name: Vec<String>,
    state_machine_arn: Vec<String>,
    role_arn: Vec<String>,
    input: Vec<String>,
    start: Vec<i64>,
    secret: Vec<String>,
    worker: Vec<Option<String>>,
    lease_until: Vec<Option<i64>>,
    map_run: Vec<Option<String>>,
    map_items: Vec<i64>,
    started: Vec<String>,
}

impl PostgresStore {
    /// Queues a create for the next batch; resolves once the batch holding it committed.
    pub(super) fn create_batched(
        &self,
        record: ExecutionRecord,
        worker: Option<String>,
        lease_until: DateTime<Utc>,
    ) -> StoreFuture<'_, Created> {
        let store = self.clone();
        let start = Start {
            record,
            worker,
            lease_until,
        };
        self.starts.push(start, move |batch| {
            let store = store.clone();
            async move { store.create_many(batch).await }
        })
    }

    /// Creates a batch in one statement ([`CREATE_MANY`]); an execution whose id was taken
    /// is read back (`Created::Existing`) after the batch committed.
    async fn create_many(&self, batch: Vec<Start>) -> Answers<Created> {
        let mut c = Columns::default();
        let mut shared = Vec::new();
        let mut shared_by = Vec::new();
        for s in &batch {
            let r = &s.record;
            c.id.push(r.id.clone());
            c.workflow.push(r.workflow.clone());
            c.name.push(r.name.clone());
            c.state_machine_arn.push(r.state_machine_arn.clone());
            c.role_arn.push(r.role_arn.clone());
            c.input.push(r.input.to_string());
            c.start.push(ms(r.start_date));
            c.secret.push(r.secret.clone());
            c.worker.push(s.worker.clone());
            c.lease_until
                .push(s.worker.as_ref().map(|_| ms(s.lease_until)));
            c.map_run.push(r.map_run.clone());
            c.map_items.push(count(r.map_items));
            let mut here = Vec::new();
            c.started.push(payloads::share(
                &crate::store::started_details(r),
                &mut here,
            ));
            shared_by.extend(std::iter::repeat_n(r.id.clone(), here.len()));
            shared.extend(here);
        }
        let (hashes, bodies): (Vec<String>, Vec<String>) = shared.into_iter().unzip();
        let inserted: HashSet<String> = self
            .pool
            .run(move |mut conn| async move {
                let r = async {
                    let statement = conn.statement(CREATE_MANY).await?;
                    let rows = conn
                        .query(
                            &statement,
                            &[
                                &c.id,
                                &c.workflow,
                                &c.name,
                                &c.state_machine_arn,
                                &c.role_arn,
                                &c.input,
                                &c.start,
                                &c.secret,
                                &c.worker,
                                &c.lease_until,
                                &c.map_run,
                                &c.map_items,
                                &c.started,
                                &shared_by,
                                &hashes,
                                &bodies,
                            ],
                        )
                        .await?;
                    Ok(rows.iter().map(|r| r.get::<_, String>(0)).collect())
                }
                .await;
                (conn, r)
            })
            .await?;
        let mut answers = Vec::with_capacity(batch.len());
        for s in batch {
            if inserted.contains(&s.record.id) {
                answers.push(Ok(Created::New));
                continue;
            }
            let id = s.record.id;
            let existing = transaction!(self, |tx| { get_record(&tx, &id, false).await? }).await;
            answers.push(match existing {
                Ok(Some(r)) => Ok(Created::Existing(Box::new(r))),
                Ok(None) => Err(StoreError::corrupt("execution vanished")),
                Err(e) => Err(e),
            });
        }
        Ok(answers)
    }
}
