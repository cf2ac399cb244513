//! The crash test (EXEC-1): a worker process running a 30-state workflow on a SQLite file is
//! killed with SIGKILL at 100 random points and restarted each time. Afterwards the output is
//! the one an uninterrupted run gives, the history holds every transition exactly once (the
//! same events as an in-memory run), and every task ran at least once.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::Duration;

use asl_durable_tests::{Logging, crash, input};
use asl_runtime::store::SqliteStore;
use asl_runtime::{Engine, ExecutionId};
use rand::Rng as _;

const KILLS: usize = 100;

#[test]
fn killed_at_random_points_it_finishes_with_every_transition_once() {
    let dir = std::env::temp_dir().join(format!("asl-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("runs.db");
    let log = dir.join("tasks.log");
    let bin = env!("CARGO_BIN_EXE_crash-worker");
    let mut rng = rand::rng();
    let mut finished_early = 0;
    for _ in 0..KILLS {
        let mut child = Command::new(bin)
            .args([&db, &log])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(rng.random_range(2..60)));
        // `kill` is SIGKILL on Unix: no destructor, no flush, no goodbye.
        let _ = child.kill();
        if child.wait().unwrap().success() {
            finished_early += 1;
        }
    }
    let out = Command::new(bin).args([&db, &log]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let output: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    let memory = rt.block_on(
        crash::Workflow::new(Logging { log: None })
            .run_recorded(input(), asl_runtime::RunOptions::default()),
    );
    assert_eq!(output, memory.result.unwrap());

    let history = rt.block_on(async {
        let engine = Engine::builder()
            .store(SqliteStore::open(&db).await.unwrap())
            .build()
            .await
            .unwrap();
        let id: ExecutionId = "arn:aws:states:us-east-1:123456789012:execution:crash:the-one"
            .parse()
            .unwrap();
        engine.history(&id).await.unwrap()
    });
    let count = |kinds: Vec<(String, Option<String>)>| {
        let mut m = BTreeMap::new();
        for k in kinds {
            *m.entry(k).or_insert(0) += 1;
        }
        m
    };
    let ours = count(
        history
            .iter()
            .map(|e| (e.kind.clone(), e.state.clone()))
            .collect(),
    );
    let expected = count(
        memory
            .history
            .iter()
            .map(|e| (e.kind.to_string(), e.state.map(str::to_string)))
            .collect(),
    );
    assert_eq!(ours, expected, "history differs from an uninterrupted run");
    for (i, e) in history.iter().enumerate() {
        assert_eq!(e.id, i as u64 + 1, "event ids are sequential");
    }

    let log = std::fs::read_to_string(&log).unwrap();
    let mut ran: Vec<&str> = Vec::new();
    for line in log.lines() {
        ran.push(line);
    }
    for n in 1..=10 {
        assert!(
            ran.iter().any(|l| l.starts_with(&format!("Step {n} "))),
            "Step {n}"
        );
        assert!(ran.contains(&format!("Double {n}").as_str()), "Double {n}");
    }
    for t in ["Flaky 0", "Flaky 1", "Left", "Right"] {
        assert!(ran.contains(&t), "{t}");
    }
    eprintln!(
        "crash test: {KILLS} kills ({finished_early} after the end), {} task invocations for 24 tasks",
        ran.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
