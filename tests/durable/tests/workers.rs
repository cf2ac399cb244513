//! Two worker processes on one Postgres (issue 8): 1,000 executions of a 10-state workflow
//! all succeed, no transition is recorded twice, both workers do work; one worker is SIGKILLed
//! mid-way and the other finishes its executions after the lease timeout. Needs
//! `ASL_TEST_POSTGRES_URL` (skipped with a message without it, a failure with
//! `ASL_REQUIRE_SERVICES=1`).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use asl_durable_tests::ten_run;

const EXECUTIONS: usize = 1000;

fn url() -> Option<String> {
    asl_durable_tests::postgres_url("the two-worker Postgres test")
}

fn worker(url: &str, schema: &str, id: &str, log: &std::path::Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_pg-worker"))
        .args([url, schema, id])
        .arg(log)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

#[test]
fn two_workers_share_the_work_and_survive_one_being_killed() {
    let Some(url) = url() else { return };
    let schema = format!("workers_{}", std::process::id());
    let dir = std::env::temp_dir().join(format!("asl-workers-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let rt = ten_run::runtime();
    // A client that only submits: workers run the executions.
    let client = rt.block_on(ten_run::client(&url, &schema, &dir));
    let ids = rt.block_on(ten_run::start(&client, EXECUTIONS));
    let mut a = worker(&url, &schema, "worker-a", &dir.join("a.log"));
    let mut b = worker(&url, &schema, "worker-b", &dir.join("b.log"));
    let succeeded = |rt: &tokio::runtime::Runtime| rt.block_on(ten_run::succeeded(&client));
    // Kill worker A once a third of the work is done.
    let start = Instant::now();
    while succeeded(&rt) < EXECUTIONS / 3 {
        assert!(start.elapsed() < Duration::from_secs(120), "too slow");
        std::thread::sleep(Duration::from_millis(20));
    }
    a.kill().unwrap();
    a.wait().unwrap();
    let a_log_at_kill = std::fs::read_to_string(dir.join("a.log")).unwrap_or_default();
    while succeeded(&rt) < EXECUTIONS {
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "executions left unfinished"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    b.kill().unwrap();
    b.wait().unwrap();

    rt.block_on(ten_run::check_histories(&client, &ids));
    let b_log = std::fs::read_to_string(dir.join("b.log")).unwrap_or_default();
    let a_calls = a_log_at_kill.lines().count();
    let b_calls = b_log.lines().count();
    assert!(
        a_calls > 0 && b_calls > 0,
        "both workers worked: {a_calls} / {b_calls}"
    );
    eprintln!(
        "two workers: {EXECUTIONS} executions, worker A {a_calls} task calls before SIGKILL, \
         worker B {b_calls}, in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
