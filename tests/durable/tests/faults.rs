//! Faults a durable worker must ride out (issue 20), each on its own store (a private
//! cluster, or a schema of its own) so other tests are not disturbed. Each prints what it
//! survived.
//!
//! - A PostgreSQL restart (`pg_ctl restart -m fast` on a private cluster) while two worker
//!   processes run 1,000 executions: the workers reconnect with backoff and say so in their
//!   logs, every execution succeeds, no transition is recorded twice, and no task runs more
//!   than twice (its run, plus one per crash it lived through).
//! - A paused worker (SIGSTOP past its lease, then SIGCONT): the other worker takes its
//!   executions over; the paused one, fenced, commits nothing for them after it wakes and
//!   lets them go. Every execution succeeds once, no transition twice.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use asl_durable_tests::cluster::PrivateCluster;
use asl_durable_tests::ten_run;

const EXECUTIONS: usize = 1000;

fn worker(url: &str, schema: &str, id: &str, dir: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_pg-worker"))
        .args([url, schema, id])
        .arg(dir.join(format!("{id}.log")))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join(format!("{id}.stderr"))).unwrap())
        .spawn()
        .unwrap()
}

fn temp_dir(what: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("asl-{what}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn signal(child: &Child, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {sig}");
}

/// Waits until `n` executions succeeded (at most `limit` from `start`).
fn wait_for(
    rt: &tokio::runtime::Runtime,
    client: &asl_runtime::Engine,
    n: usize,
    start: Instant,
    limit: Duration,
) {
    while rt.block_on(ten_run::succeeded(client)) < n {
        assert!(
            start.elapsed() < limit,
            "fewer than {n} executions succeeded in time"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn stop(workers: [&mut Child; 2]) {
    for w in workers {
        assert!(
            w.try_wait().unwrap().is_none(),
            "a worker stopped by itself"
        );
        w.kill().unwrap();
        w.wait().unwrap();
    }
}

#[test]
fn workers_ride_out_a_postgres_restart() {
    let Some(cluster) = PrivateCluster::start("the Postgres restart test") else {
        return;
    };
    let (url, schema) = (cluster.url(), "faults");
    let dir = temp_dir("faults-restart");
    let rt = ten_run::runtime();
    let client = rt.block_on(ten_run::client(&url, schema, &dir));
    let ids = rt.block_on(ten_run::start(&client, EXECUTIONS));
    let mut a = worker(&url, schema, "worker-a", &dir);
    let mut b = worker(&url, schema, "worker-b", &dir);
    let start = Instant::now();
    wait_for(
        &rt,
        &client,
        EXECUTIONS / 3,
        start,
        Duration::from_secs(120),
    );
    let restart = Instant::now();
    cluster.restart();
    let restart_secs = restart.elapsed().as_secs_f64();
    wait_for(&rt, &client, EXECUTIONS, start, Duration::from_secs(300));
    stop([&mut a, &mut b]);

    rt.block_on(ten_run::check_histories(&client, &ids));
    let calls = ten_run::task_calls(&[&dir.join("worker-a.log"), &dir.join("worker-b.log")]);
    let twice = ten_run::check_task_calls(&calls, EXECUTIONS, 2);
    // Each worker said what happened.
    let told = ["worker-a", "worker-b"]
        .iter()
        .filter(|w| {
            std::fs::read_to_string(dir.join(format!("{w}.stderr")))
                .unwrap_or_default()
                .contains("store reachable again")
        })
        .count();
    assert!(told >= 1, "no worker logged the outage and its end");
    eprintln!(
        "postgres restart (pg_ctl restart -m fast, {restart_secs:.1} s) during {EXECUTIONS} \
         executions: all succeeded in {:.1} s, no transition twice, {twice} task calls ran \
         twice, {told} of 2 workers logged the outage and the recovery",
        start.elapsed().as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_paused_worker_is_fenced_and_lets_go() {
    let Some(url) = asl_durable_tests::postgres_url("the paused-worker test") else {
        return;
    };
    let schema = format!("paused_{}", std::process::id());
    let dir = temp_dir("faults-paused");
    let rt = ten_run::runtime();
    let client = rt.block_on(ten_run::client(&url, &schema, &dir));
    let ids = rt.block_on(ten_run::start(&client, EXECUTIONS));
    let mut a = worker(&url, &schema, "worker-a", &dir);
    let mut b = worker(&url, &schema, "worker-b", &dir);
    let start = Instant::now();
    wait_for(
        &rt,
        &client,
        EXECUTIONS / 3,
        start,
        Duration::from_secs(120),
    );
    // Paused for three lease timeouts (the workers' lease is 2 s).
    signal(&a, "-STOP");
    let paused_at = rt.block_on(ten_run::succeeded(&client));
    std::thread::sleep(Duration::from_secs(6));
    let while_paused = rt.block_on(ten_run::succeeded(&client)) - paused_at;
    signal(&a, "-CONT");
    wait_for(&rt, &client, EXECUTIONS, start, Duration::from_secs(300));
    stop([&mut a, &mut b]);

    rt.block_on(ten_run::check_histories(&client, &ids));
    let calls = ten_run::task_calls(&[&dir.join("worker-a.log"), &dir.join("worker-b.log")]);
    let twice = ten_run::check_task_calls(&calls, EXECUTIONS, 2);
    let a_err = std::fs::read_to_string(dir.join("worker-a.stderr")).unwrap_or_default();
    let let_go = a_err.matches("lease lost").count();
    assert!(
        while_paused > 0,
        "the other worker did nothing while A was paused"
    );
    eprintln!(
        "paused worker (SIGSTOP 6 s, lease 2 s) during {EXECUTIONS} executions: {while_paused} \
         finished by the other worker meanwhile; after SIGCONT the paused one let {let_go} \
         executions go (lease lost, fenced); all succeeded in {:.1} s, no transition twice, \
         {twice} task calls ran twice",
        start.elapsed().as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
