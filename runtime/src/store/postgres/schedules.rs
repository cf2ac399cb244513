//! Schedules (`durable::schedule`): one row each in the `schedules` table; a fire is claimed
//! by a compare-and-set on `next_ms` (one `UPDATE … WHERE next_ms = $fired`, which Postgres
//! applies to one transaction at a time).

use chrono::{DateTime, Utc};
use tokio_postgres::{Row, Transaction};

use super::rows::{from_ms, ms, parse_json};
use crate::store::{ScheduleRecord, ScheduleState, StoreError};

const COLUMNS: &str = "name, workflow, expression, time_zone, input, description, start_ms, \
                       end_ms, state, anchor_ms, next_ms, last_ms, created_ms, modified_ms";

/// Inserts a schedule; `false` when the name is taken.
pub(super) async fn create_schedule(
    tx: &Transaction<'_>,
    s: ScheduleRecord,
) -> Result<bool, StoreError> {
    let n = tx
        .execute(
            &format!(
                "INSERT INTO schedules ({COLUMNS}) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
                 ON CONFLICT (name) DO NOTHING"
            ),
            &[
                &s.name,
                &s.workflow,
                &s.expression,
                &s.time_zone,
                &s.input.to_string(),
                &s.description,
                &s.start_date.map(ms),
                &s.end_date.map(ms),
                &s.state.as_str(),
                &ms(s.anchor),
                &s.next_fire.map(ms),
                &s.last_fire.map(ms),
                &ms(s.creation_date),
                &ms(s.last_modification_date),
            ],
        )
        .await?;
    Ok(n == 1)
}

/// One schedule.
pub(super) async fn schedule(
    tx: &Transaction<'_>,
    name: &str,
) -> Result<Option<ScheduleRecord>, StoreError> {
    tx.query_opt(
        &format!("SELECT {COLUMNS} FROM schedules WHERE name = $1"),
        &[&name],
    )
    .await?
    .as_ref()
    .map(record)
    .transpose()
}

/// Every schedule, by name.
pub(super) async fn schedules(tx: &Transaction<'_>) -> Result<Vec<ScheduleRecord>, StoreError> {
    tx.query(
        &format!("SELECT {COLUMNS} FROM schedules ORDER BY name"),
        &[],
    )
    .await?
    .iter()
    .map(record)
    .collect()
}

/// Enables or pauses a schedule with its next fire.
pub(super) async fn set_schedule_state(
    tx: &Transaction<'_>,
    name: &str,
    state: ScheduleState,
    next: Option<DateTime<Utc>>,
    at: DateTime<Utc>,
) -> Result<Option<ScheduleRecord>, StoreError> {
    tx.execute(
        "UPDATE schedules SET state = $2, next_ms = $3, modified_ms = $4 WHERE name = $1",
        &[&name, &state.as_str(), &next.map(ms), &ms(at)],
    )
    .await?;
    schedule(tx, name).await
}

/// Deletes a schedule.
pub(super) async fn delete_schedule(tx: &Transaction<'_>, name: &str) -> Result<bool, StoreError> {
    Ok(tx
        .execute("DELETE FROM schedules WHERE name = $1", &[&name])
        .await?
        == 1)
}

/// Moves an enabled schedule's next fire from `fired` to `next` (compare-and-set).
pub(super) async fn advance_schedule(
    tx: &Transaction<'_>,
    name: &str,
    fired: DateTime<Utc>,
    next: Option<DateTime<Utc>>,
) -> Result<bool, StoreError> {
    Ok(tx
        .execute(
            "UPDATE schedules SET next_ms = $3, last_ms = $2 \
             WHERE name = $1 AND next_ms = $2 AND state = 'ENABLED'",
            &[&name, &ms(fired), &next.map(ms)],
        )
        .await?
        == 1)
}

fn record(row: &Row) -> Result<ScheduleRecord, StoreError> {
    let state: String = row.get(8);
    let input: String = row.get(4);
    Ok(ScheduleRecord {
        name: row.get(0),
        workflow: row.get(1),
        expression: row.get(2),
        time_zone: row.get(3),
        input: parse_json(&input)?,
        description: row.get(5),
        start_date: row.get::<_, Option<i64>>(6).map(from_ms),
        end_date: row.get::<_, Option<i64>>(7).map(from_ms),
        state: ScheduleState::parse(&state).ok_or_else(|| {
            StoreError::corrupt(format!("unknown schedule state in store: {state}"))
        })?,
        anchor: from_ms(row.get(9)),
        next_fire: row.get::<_, Option<i64>>(10).map(from_ms),
        last_fire: row.get::<_, Option<i64>>(11).map(from_ms),
        creation_date: from_ms(row.get(12)),
        last_modification_date: from_ms(row.get(13)),
    })
}

#[cfg(test)]
mod tests {
    //! On the server named by `ASL_TEST_POSTGRES_URL` (skipped without it, unless
    //! `ASL_REQUIRE_SERVICES=1`): the compare-and-set that claims a fire.

    use chrono::TimeZone;
    use serde_json::json;
    use tokio_postgres::NoTls;

    use super::super::PostgresStore;
    use super::super::pool::quote_ident;
    use super::*;
    use crate::store::Store;

    fn url() -> Option<String> {
        match std::env::var("ASL_TEST_POSTGRES_URL") {
            Ok(url) if !url.is_empty() => Some(url),
            _ if std::env::var("ASL_REQUIRE_SERVICES").is_ok_and(|v| v == "1") => {
                panic!("ASL_REQUIRE_SERVICES=1 but ASL_TEST_POSTGRES_URL is not set")
            }
            _ => {
                eprintln!("skipped: set ASL_TEST_POSTGRES_URL to run the Postgres store tests");
                None
            }
        }
    }

    fn t(minute: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + chrono::Duration::minutes(minute)
    }

    #[tokio::test]
    async fn a_fire_is_claimed_once() {
        let Some(url) = url() else { return };
        let schema = format!("store_schedules_{}", std::process::id());
        let (client, connection) = tokio_postgres::connect(&url, NoTls).await.unwrap();
        tokio::spawn(connection);
        client
            .batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {} CASCADE",
                quote_ident(&schema)
            ))
            .await
            .unwrap();
        let store = PostgresStore::connect_schema(&url, &schema).await.unwrap();
        let record = ScheduleRecord {
            name: "nightly".into(),
            workflow: "flow".into(),
            expression: "rate(5 minutes)".into(),
            time_zone: "UTC".into(),
            input: json!({"a": 1}),
            description: Some("d".into()),
            start_date: None,
            end_date: Some(t(60)),
            state: ScheduleState::Enabled,
            anchor: t(0),
            next_fire: Some(t(0)),
            last_fire: None,
            creation_date: t(0),
            last_modification_date: t(0),
        };
        assert!(store.create_schedule(record.clone()).await.unwrap());
        assert!(!store.create_schedule(record.clone()).await.unwrap());
        assert_eq!(
            store.schedule("nightly").await.unwrap(),
            Some(record.clone())
        );
        assert!(
            store
                .advance_schedule("nightly", t(0), Some(t(5)))
                .await
                .unwrap()
        );
        assert!(
            !store
                .advance_schedule("nightly", t(0), Some(t(5)))
                .await
                .unwrap()
        );
        let paused = store
            .set_schedule_state("nightly", ScheduleState::Disabled, None, t(6))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(paused.last_fire, Some(t(0)));
        assert_eq!(paused.state, ScheduleState::Disabled);
        assert!(
            !store
                .advance_schedule("nightly", t(5), Some(t(10)))
                .await
                .unwrap()
        );
        assert_eq!(store.schedules().await.unwrap().len(), 1);
        assert!(store.delete_schedule("nightly").await.unwrap());
        assert!(!store.delete_schedule("nightly").await.unwrap());
    }
}
