//! `asl schedule …` against a SQLite store: create, list, get, pause, resume, delete, the
//! errors and exit codes, and a worker on the same store firing a schedule the command made.

use std::process::Command;
use std::time::Duration;

use asl_runtime::durable::ListFilter;
use asl_runtime::store::SqliteStore;
use asl_runtime::{Engine, StartOptions};
use serde_json::{Value, json};

fn asl(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_asl"))
        .args(args)
        .output()
        .expect("run asl");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A fresh store file for one test.
fn store(test: &str) -> (std::path::PathBuf, String) {
    let path = std::env::temp_dir().join(format!("asl-cli-{test}-{}.db", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let url = format!("sqlite:{}", path.display());
    (path, url)
}

fn json_of(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

#[test]
fn create_list_get_pause_resume_delete() {
    let (_path, url) = store("lifecycle");
    let (code, out, err) = asl(&[
        "schedule",
        "create",
        "nightly",
        "--workflow",
        "report",
        "--expression",
        "cron(30 2 * * ? *)",
        "--timezone",
        "America/New_York",
        "--input",
        r#"{"a":1}"#,
        "--description",
        "every night",
        "--store",
        &url,
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        json_of(&out),
        json!({"ScheduleArn": "arn:aws:scheduler:us-east-1:123456789012:schedule/default/nightly"})
    );
    let (code, out, _) = asl(&["schedule", "get", "nightly", "--store", &url]);
    assert_eq!(code, 0);
    let got = json_of(&out);
    assert_eq!(got["ScheduleExpression"], "cron(30 2 * * ? *)");
    assert_eq!(got["ScheduleExpressionTimezone"], "America/New_York");
    assert_eq!(got["State"], "ENABLED");
    assert_eq!(got["Description"], "every night");
    assert_eq!(
        got["Target"],
        json!({"Arn": "arn:aws:states:us-east-1:123456789012:stateMachine:report", "Input": "{\"a\":1}"})
    );
    // The next fire is a 02:30 in New York: 06:30 or 07:30 UTC.
    let next = got["NextFire"].as_str().unwrap();
    assert!(
        next.contains("T06:30:00") || next.contains("T07:30:00"),
        "{next}"
    );

    let (code, out, _) = asl(&["schedule", "pause", "nightly", "--store", &url]);
    assert_eq!(code, 0);
    assert_eq!(json_of(&out)["State"], "DISABLED");
    assert_eq!(json_of(&out)["NextFire"], Value::Null);
    let (_, out, _) = asl(&["schedule", "list", "--state", "DISABLED", "--store", &url]);
    assert_eq!(json_of(&out)["Schedules"][0]["Name"], "nightly");
    let (_, out, _) = asl(&["schedule", "list", "--state", "ENABLED", "--store", &url]);
    assert_eq!(json_of(&out)["Schedules"], json!([]));
    let (code, out, _) = asl(&["schedule", "resume", "nightly", "--store", &url]);
    assert_eq!(code, 0);
    assert_eq!(json_of(&out)["State"], "ENABLED");

    let (code, out, _) = asl(&["schedule", "delete", "nightly", "--store", &url]);
    assert_eq!((code, out.as_str()), (0, ""));
    let (code, _, err) = asl(&["schedule", "get", "nightly", "--store", &url]);
    assert_eq!(code, 1);
    assert!(
        err.contains("ResourceNotFoundException: Schedule nightly does not exist."),
        "{err}"
    );
}

#[test]
fn refusals_and_exit_codes() {
    let (_path, url) = store("errors");
    let create = |name: &str, expr: &str| {
        asl(&[
            "schedule",
            "create",
            name,
            "--workflow",
            "w",
            "--expression",
            expr,
            "--store",
            &url,
        ])
    };
    let (code, _, err) = create("s", "rate(5 hour)");
    assert_eq!(code, 1);
    assert!(
        err.contains(
            "ValidationException: Invalid Schedule Expression rate(5 hour): with a value above 1 \
             the unit is plural: rate(5 hours)."
        ),
        "{err}"
    );
    let (code, _, err) = create("s", "cron(0 12 ? * MON#6 *)");
    assert_eq!(code, 1);
    assert!(err.contains("not an occurrence (1-5)"), "{err}");
    assert_eq!(create("s", "rate(5 minutes)").0, 0);
    let (code, _, err) = create("s", "rate(5 minutes)");
    assert_eq!(code, 1);
    assert!(
        err.contains("ConflictException: Schedule s already exists."),
        "{err}"
    );
    let (code, _, err) = asl(&["schedule", "list"]);
    assert_eq!(code, 2);
    assert!(err.contains("no store"), "{err}");
    let (code, _, err) = asl(&["schedule", "list", "--store", "mysql://x"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("expected sqlite:PATH or a postgres:// URL"),
        "{err}"
    );
    let (code, _, err) = asl(&[
        "schedule",
        "create",
        "t",
        "--workflow",
        "w",
        "--expression",
        "rate(5 minutes)",
        "--start-date",
        "tomorrow",
        "--store",
        &url,
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("--start-date 'tomorrow' is not an RFC 3339 date"),
        "{err}"
    );
}

asl_runtime::asl!(mod report {
    "StartAt": "Done",
    "States": { "Done": { "Type": "Pass", "End": true } }
});

struct NoTasks;
impl report::Tasks for NoTasks {}

/// The command records the schedule; a worker that registers the workflow fires it (a rate
/// without a start date fires at once).
#[test]
fn a_worker_fires_a_schedule_the_command_created() {
    let (path, url) = store("fire");
    let (code, _, err) = asl(&[
        "schedule",
        "create",
        "hourly",
        "--workflow",
        "report",
        "--expression",
        "rate(1 hour)",
        "--input",
        r#"{"when":"<aws.scheduler.scheduled-time>"}"#,
        "--store",
        &url,
    ]);
    assert_eq!(code, 0, "{err}");
    let runtime = asl_runtime::tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let engine = Engine::builder()
            .store(SqliteStore::open(&path).await.unwrap())
            .workflow("report", report::Workflow::new(NoTasks))
            .schedule_poll_interval(Duration::from_millis(50))
            .build()
            .await
            .unwrap();
        let worker = engine.clone();
        asl_runtime::tokio::spawn(async move { worker.run().await });
        let mut found = Vec::new();
        for _ in 0..200 {
            found = engine
                .list_executions("report", ListFilter::default())
                .await
                .unwrap()
                .executions;
            if !found.is_empty() {
                break;
            }
            asl_runtime::tokio::time::sleep(Duration::from_millis(25)).await;
        }
        assert_eq!(found.len(), 1, "one fire");
        let d = &found[0];
        assert!(
            d.name.starts_with("hourly-") && d.name.ends_with('Z'),
            "{}",
            d.name
        );
        let when = d.input["when"].as_str().unwrap().to_string();
        // The execution is named after the fire's minute, which the input's scheduled time gives.
        let minute = chrono::DateTime::parse_from_rfc3339(&when)
            .unwrap()
            .format("%Y%m%dT%H%MZ")
            .to_string();
        assert_eq!(d.name, format!("hourly-{minute}"));
        let out = engine.wait(&d.execution_id).await.unwrap();
        assert_eq!(out, json!({"when": when}));
        // Starting that name again with that input is the same fire: no second execution.
        let again = engine
            .start(
                "report",
                d.input.clone(),
                StartOptions::default().name(d.name.clone()),
            )
            .await;
        assert!(again.is_err(), "a closed fire's name is taken (EXEC-3)");
        engine.shutdown();
    });
    let (_, out, _) = asl(&["schedule", "get", "hourly", "--store", &url]);
    assert!(json_of(&out)["LastFire"].is_string(), "{out}");
}
