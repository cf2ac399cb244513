//! Durable schedules (EventBridge Scheduler semantics) on a paused clock: rate, cron and at
//! fire at their instants, each fire starts exactly one execution named after it (EXEC-3's
//! idempotent start + the store's compare-and-set), also with two engines on one SQLite file,
//! missed fires are caught up at most once, cron in a time zone follows AWS's daylight saving
//! rules, and pause/resume/delete and bad requests behave as documented in
//! `asl_runtime::durable::schedule`.

use std::time::Duration;

use asl_runtime::durable::{ListFilter, ScheduleFilter, ScheduleSpec, ScheduleState};
use asl_runtime::store::SqliteStore;
use asl_runtime::{Engine, EngineError, clock};
use chrono::{DateTime, Datelike, DurationRound, NaiveDate, TimeZone, Utc, Weekday};
use serde_json::json;

asl_runtime::asl!(mod ticker {
    "StartAt": "Tick",
    "States": { "Tick": { "Type": "Pass", "End": true } }
});

struct NoTasks;
impl ticker::Tasks for NoTasks {}

/// An engine whose background loops wake rarely, so the paused clock can jump days.
async fn engine(store: SqliteStore) -> Engine {
    Engine::builder()
        .store(store)
        .workflow("ticker", ticker::Workflow::new(NoTasks))
        .lease_timeout(Duration::from_secs(86_400))
        .poll_interval(Duration::from_secs(86_400))
        .schedule_poll_interval(Duration::from_secs(30 * 86_400))
        .build()
        .await
        .unwrap()
}

/// Runs the engine's schedule runner in the background.
fn run(engine: &Engine) -> tokio::task::JoinHandle<()> {
    let e = engine.clone();
    tokio::spawn(async move { e.run_schedules().await.unwrap() })
}

/// A whole minute at least a minute from now.
fn next_minute() -> DateTime<Utc> {
    (clock::now() + chrono::Duration::minutes(2))
        .duration_trunc(chrono::Duration::minutes(1))
        .unwrap()
}

async fn sleep_to(t: DateTime<Utc>) {
    clock::sleep_until(t).await;
}

fn name(schedule: &str, t: DateTime<Utc>) -> String {
    format!("{schedule}-{}", t.format("%Y%m%dT%H%MZ"))
}

/// The executions of `ticker`, oldest first: (name, start date, input).
async fn executions(engine: &Engine) -> Vec<(String, DateTime<Utc>, serde_json::Value)> {
    let mut list: Vec<_> = engine
        .list_executions("ticker", ListFilter::default())
        .await
        .unwrap()
        .executions
        .into_iter()
        .map(|d| (d.name, d.start_date, d.input))
        .collect();
    list.sort_by_key(|(_, start, _)| *start);
    list
}

fn names(list: &[(String, DateTime<Utc>, serde_json::Value)]) -> Vec<String> {
    list.iter().map(|(n, _, _)| n.clone()).collect()
}

fn minutes(n: i64) -> chrono::Duration {
    chrono::Duration::minutes(n)
}

#[tokio::test(start_paused = true)]
async fn a_rate_fires_every_interval_from_its_start() {
    let engine = engine(SqliteStore::memory().await.unwrap()).await;
    let t0 = next_minute();
    let spec = ScheduleSpec::new("tick", "ticker", "rate(5 minutes)")
        .start_date(t0)
        .input(json!({"at": "<aws.scheduler.scheduled-time>", "n": 1}));
    let created = engine.create_schedule(spec).await.unwrap();
    assert_eq!(created.next_fire, Some(t0));
    assert_eq!(
        created.arn,
        "arn:aws:scheduler:us-east-1:123456789012:schedule/default/tick"
    );
    let _runner = run(&engine);
    sleep_to(t0 + minutes(17)).await;
    let list = executions(&engine).await;
    let fires: Vec<_> = (0..4).map(|i| t0 + minutes(5 * i)).collect();
    assert_eq!(
        names(&list),
        fires.iter().map(|t| name("tick", *t)).collect::<Vec<_>>()
    );
    for ((_, started, input), fire) in list.iter().zip(&fires) {
        // On time (tokio's timers tick in milliseconds).
        assert!(
            (*started - *fire).num_milliseconds().abs() < 1000,
            "{started} vs {fire}"
        );
        // Context attributes are replaced in the input.
        let at = fire.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        assert_eq!(input, &json!({"at": at, "n": 1}));
    }
    let s = engine.schedule("tick").await.unwrap();
    assert_eq!(s.last_fire, Some(t0 + minutes(15)));
    assert_eq!(s.next_fire, Some(t0 + minutes(20)));
}

#[tokio::test(start_paused = true)]
async fn a_cron_fires_on_its_minutes_and_at_fires_once() {
    let engine = engine(SqliteStore::memory().await.unwrap()).await;
    let t0 = next_minute();
    // Every quarter hour from the creation on.
    let created = clock::now();
    engine
        .create_schedule(ScheduleSpec::new(
            "quarter",
            "ticker",
            "cron(0/15 * * * ? *)",
        ))
        .await
        .unwrap();
    // Once, at t0 + 7 minutes written as wall-clock time in Tokyo (UTC+9, no DST).
    let local = (t0 + minutes(7)).with_timezone(&chrono_tz::Asia::Tokyo);
    let at = format!("at({})", local.format("%Y-%m-%dT%H:%M:%S"));
    engine
        .create_schedule(ScheduleSpec::new("once", "ticker", at).time_zone("Asia/Tokyo"))
        .await
        .unwrap();
    let _runner = run(&engine);
    // The first quarter hour after the schedule was created (not a whole minute: the clock
    // starts from wall time).
    let q0 = created
        .duration_trunc(chrono::Duration::minutes(15))
        .unwrap()
        + minutes(15);
    sleep_to(q0 + minutes(50)).await;
    let list = executions(&engine).await;
    let mut want: Vec<(String, DateTime<Utc>)> = (0..4)
        .map(|i| q0 + minutes(15 * i))
        .map(|t| (name("quarter", t), t))
        .collect();
    want.push((name("once", t0 + minutes(7)), t0 + minutes(7)));
    // Compared as sets: the at fire may fall on a quarter.
    let mut got = names(&list);
    got.sort();
    let mut want: Vec<String> = want.into_iter().map(|(n, _)| n).collect();
    want.sort();
    assert_eq!(got, want);
    let once = engine.schedule("once").await.unwrap();
    assert_eq!(
        (once.last_fire, once.next_fire),
        (Some(t0 + minutes(7)), None)
    );
}

#[tokio::test(start_paused = true)]
async fn two_engines_on_one_store_never_double_fire() {
    let path = std::env::temp_dir().join(format!("asl-schedules-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let a = engine(SqliteStore::open(&path).await.unwrap()).await;
    // `b` learns of the schedule `a` creates from the store: it polls every second.
    let b = Engine::builder()
        .store(SqliteStore::open(&path).await.unwrap())
        .workflow("ticker", ticker::Workflow::new(NoTasks))
        .lease_timeout(Duration::from_secs(86_400))
        .schedule_poll_interval(Duration::from_secs(1))
        .build()
        .await
        .unwrap();
    let (_ra, _rb) = (run(&a), run(&b));
    let t0 = next_minute();
    a.create_schedule(ScheduleSpec::new("both", "ticker", "rate(1 minute)").start_date(t0))
        .await
        .unwrap();
    let (_ra, _rb) = (run(&a), run(&b));
    sleep_to(t0 + minutes(9) + chrono::Duration::seconds(30)).await;
    let list = executions(&a).await;
    let want: Vec<String> = (0..10).map(|i| name("both", t0 + minutes(i))).collect();
    assert_eq!(names(&list), want, "one execution per fire");
    assert_eq!(executions(&b).await.len(), 10);
    let _ = std::fs::remove_file(&path);
}

#[tokio::test(start_paused = true)]
async fn missed_fires_are_caught_up_once_after_downtime() {
    let store = SqliteStore::memory().await.unwrap();
    let first = engine(store.clone()).await;
    let t0 = next_minute();
    first
        .create_schedule(ScheduleSpec::new("every10", "ticker", "rate(10 minutes)").start_date(t0))
        .await
        .unwrap();
    let runner = run(&first);
    sleep_to(t0 + minutes(12)).await;
    // Every worker goes down for an hour: the fires at 20, 30, …, 70 are missed.
    first.shutdown();
    runner.await.unwrap();
    drop(first);
    sleep_to(t0 + minutes(72)).await;
    let second = engine(store).await;
    let _runner = run(&second);
    sleep_to(t0 + minutes(85)).await;
    let list = executions(&second).await;
    assert_eq!(
        names(&list),
        [0, 10, 20, 80].map(|m| name("every10", t0 + minutes(m))),
        "one catch-up fire (the first missed, at restart), then on schedule"
    );
    let caught_up = &list[2];
    assert!((caught_up.1 - (t0 + minutes(72))).num_seconds().abs() < 1);
    assert_eq!(
        second.schedule("every10").await.unwrap().next_fire,
        Some(t0 + minutes(90))
    );
}

/// The `n`-th Sunday of `month` in `year`.
fn nth_sunday(year: i32, month: u32, n: u32) -> NaiveDate {
    NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Sun, n as u8).unwrap()
}

fn ny(date: NaiveDate, h: u32, m: u32) -> DateTime<Utc> {
    chrono_tz::America::New_York
        .from_local_datetime(&date.and_hms_opt(h, m, 0).unwrap())
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

fn utc(date: NaiveDate, h: u32, m: u32) -> DateTime<Utc> {
    Utc.from_utc_datetime(&date.and_hms_opt(h, m, 0).unwrap())
}

#[tokio::test(start_paused = true)]
async fn cron_in_new_york_skips_spring_forward_and_fires_once_at_fall_back() {
    let engine = engine(SqliteStore::memory().await.unwrap()).await;
    let year = clock::now().year() + 1;
    // US rules: clocks spring forward on March's second Sunday at 02:00 (02:30 does not
    // exist) and fall back on November's first Sunday at 02:00 (01:30 happens twice).
    let spring = nth_sunday(year, 3, 2);
    let fall = nth_sunday(year, 11, 1);
    let day = chrono::Duration::days(1);
    engine
        .create_schedule(
            ScheduleSpec::new("spring", "ticker", "cron(30 2 * * ? *)")
                .time_zone("America/New_York")
                .start_date(ny(spring - day, 0, 0))
                .end_date(ny(spring + day * 2, 0, 0)),
        )
        .await
        .unwrap();
    engine
        .create_schedule(
            ScheduleSpec::new("fall", "ticker", "cron(30 1 * * ? *)")
                .time_zone("America/New_York")
                .start_date(ny(fall - day, 0, 0))
                .end_date(ny(fall + day * 2, 0, 0)),
        )
        .await
        .unwrap();
    let _runner = run(&engine);
    sleep_to(utc(fall + day * 3, 0, 0)).await;
    let list = executions(&engine).await;
    // EST is UTC-5, EDT UTC-4: 02:30 EST the day before, nothing on the day, 02:30 EDT the
    // day after; 01:30 EDT the day before and on the day (first occurrence only), 01:30 EST
    // the day after.
    assert_eq!(
        names(&list),
        [
            name("spring", utc(spring - day, 7, 30)),
            name("spring", utc(spring + day, 6, 30)),
            name("fall", utc(fall - day, 5, 30)),
            name("fall", utc(fall, 5, 30)),
            name("fall", utc(fall + day, 6, 30)),
        ]
    );
    let done = engine.schedule("spring").await.unwrap();
    assert_eq!(done.next_fire, None, "past its end date");
}

#[tokio::test(start_paused = true)]
async fn pause_resume_and_delete() {
    let engine = engine(SqliteStore::memory().await.unwrap()).await;
    let t0 = next_minute();
    engine
        .create_schedule(ScheduleSpec::new("beat", "ticker", "rate(1 minute)").start_date(t0))
        .await
        .unwrap();
    let _runner = run(&engine);
    sleep_to(t0 + minutes(2) + chrono::Duration::seconds(30)).await;
    let paused = engine.pause_schedule("beat").await.unwrap();
    assert_eq!(
        (paused.state, paused.next_fire),
        (ScheduleState::Disabled, None)
    );
    let listed = engine
        .list_schedules(ScheduleFilter {
            state: Some(ScheduleState::Disabled),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    sleep_to(t0 + minutes(5) + chrono::Duration::seconds(30)).await;
    assert_eq!(executions(&engine).await.len(), 3, "no fire while paused");
    let resumed = engine.resume_schedule("beat").await.unwrap();
    assert_eq!(
        (resumed.state, resumed.next_fire),
        (ScheduleState::Enabled, Some(t0 + minutes(6))),
        "no catch-up for paused time"
    );
    sleep_to(t0 + minutes(7) + chrono::Duration::seconds(30)).await;
    assert_eq!(
        names(&executions(&engine).await),
        [0, 1, 2, 6, 7].map(|m| name("beat", t0 + minutes(m)))
    );
    engine.delete_schedule("beat").await.unwrap();
    sleep_to(t0 + minutes(10)).await;
    assert_eq!(executions(&engine).await.len(), 5, "no fire once deleted");
    for e in [
        engine.schedule("beat").await.unwrap_err(),
        engine.delete_schedule("beat").await.unwrap_err(),
        engine.pause_schedule("beat").await.unwrap_err(),
        engine.resume_schedule("beat").await.unwrap_err(),
    ] {
        assert_eq!(
            e,
            EngineError::ResourceNotFound("Schedule beat does not exist.".into())
        );
    }
}

#[tokio::test(start_paused = true)]
async fn bad_schedules_are_rejected_with_clear_messages() {
    let engine = engine(SqliteStore::memory().await.unwrap()).await;
    let create = |spec: ScheduleSpec| {
        let engine = engine.clone();
        async move { engine.create_schedule(spec).await.unwrap_err() }
    };
    let validation = |e: EngineError| match e {
        EngineError::ValidationException(m) => m,
        other => panic!("not a ValidationException: {other:?}"),
    };
    let m = validation(create(ScheduleSpec::new("s", "ticker", "rate(1 minutes)")).await);
    assert_eq!(
        m,
        "Invalid Schedule Expression rate(1 minutes): with the value 1 the unit is singular: \
         rate(1 minute)."
    );
    let m = validation(create(ScheduleSpec::new("s", "ticker", "cron(0 12 * * * *)")).await);
    assert!(
        m.contains("day-of-month and day-of-week cannot both be specified"),
        "{m}"
    );
    let m = validation(create(ScheduleSpec::new("s", "ticker", "cron(0 25 * * ? *)")).await);
    assert!(m.contains("hours field: 25 is out of range (0-23)"), "{m}");
    let m = validation(
        create(ScheduleSpec::new("s", "ticker", "rate(5 minutes)").time_zone("Mars/Base")).await,
    );
    assert!(
        m.contains("Invalid ScheduleExpressionTimezone Mars/Base"),
        "{m}"
    );
    let m = validation(create(ScheduleSpec::new("bad name", "ticker", "rate(5 minutes)")).await);
    assert!(
        m.contains("Value 'bad name' at 'name' failed to satisfy constraint"),
        "{m}"
    );
    let spring = nth_sunday(clock::now().year() + 1, 3, 2);
    let skipped = format!("at({}T02:30:00)", spring.format("%Y-%m-%d"));
    let m = validation(
        create(ScheduleSpec::new("s", "ticker", skipped).time_zone("America/New_York")).await,
    );
    assert!(m.contains("does not exist in America/New_York"), "{m}");
    let t = clock::now();
    let m = validation(
        create(
            ScheduleSpec::new("s", "ticker", "rate(5 minutes)")
                .start_date(t + minutes(10))
                .end_date(t),
        )
        .await,
    );
    assert!(m.contains("must be after the StartDate"), "{m}");
    assert!(matches!(
        create(ScheduleSpec::new("s", "nope", "rate(5 minutes)")).await,
        EngineError::StateMachineDoesNotExist(_)
    ));
    engine
        .create_schedule(ScheduleSpec::new("s", "ticker", "rate(5 minutes)"))
        .await
        .unwrap();
    assert_eq!(
        create(ScheduleSpec::new("s", "ticker", "rate(9 minutes)")).await,
        EngineError::ConflictException("Schedule s already exists.".into())
    );
    assert!(
        engine
            .list_schedules(ScheduleFilter::default())
            .await
            .unwrap()
            .len()
            == 1
    );
}

asl_runtime::asl!(mod counted {
    "StartAt": "Count",
    "States": { "Count": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true } }
});

struct Counter(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl counted::Tasks for Counter {
    async fn count(
        &self,
        input: asl_runtime::Value,
        _ctx: asl_runtime::TaskContext,
    ) -> Result<asl_runtime::Value, asl_runtime::TaskError> {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(input)
    }
}

/// An EXPRESS workflow's executions are not stored, so their start is not idempotent by
/// name: the fire is claimed before the start, and two engines still run each fire once.
#[tokio::test(start_paused = true)]
async fn two_engines_never_double_fire_an_express_workflow() {
    let path =
        std::env::temp_dir().join(format!("asl-schedules-express-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let runs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut engines = Vec::new();
    for _ in 0..2 {
        engines.push(
            Engine::builder()
                .store(SqliteStore::open(&path).await.unwrap())
                .express_workflow("counted", counted::Workflow::new(Counter(runs.clone())))
                .lease_timeout(Duration::from_secs(86_400))
                .schedule_poll_interval(Duration::from_secs(1))
                .build()
                .await
                .unwrap(),
        );
    }
    let t0 = next_minute();
    engines[0]
        .create_schedule(ScheduleSpec::new("quick", "counted", "rate(1 minute)").start_date(t0))
        .await
        .unwrap();
    let _runners: Vec<_> = engines.iter().map(run).collect();
    sleep_to(t0 + minutes(9) + chrono::Duration::seconds(30)).await;
    assert_eq!(
        runs.load(std::sync::atomic::Ordering::SeqCst),
        10,
        "one Express execution per fire"
    );
    let _ = std::fs::remove_file(&path);
}
