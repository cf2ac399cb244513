//! The Step Functions API over HTTP (issue 17): `cargo run --release -p asl-bench --bin
//! http_api [-- --seconds N] [--clients N] [--server-threads N] [--no-auth]`.
//!
//! An [`Engine`] on a fresh SQLite file (WAL, `synchronous=FULL`), submit-only
//! (`run_started(false)`, no workers: `StartExecution` records the execution and its
//! `ExecutionStarted` event, nothing runs it), served by `asl_server::serve_with` on
//! 127.0.0.1:0 with a configured credential, so every request's SigV4 signature is verified.
//!
//! The load generator is in the same process: 64 clients (by default), each a keep-alive
//! HTTP/1.1 connection (hyper's client) sending one request at a time, each request signed as
//! the AWS SDKs sign it (`aws-sigv4`, the Rust SDK's signer: `host`, `content-type`,
//! `content-length`, `x-amz-target`, `x-amz-date` signed, payload hash over the body). First
//! `StartExecution` (unique names), then `DescribeExecution` of the executions just started.
//!
//! The generator runs on one thread of its own (a current-thread tokio runtime) and the
//! server on its own multi-thread runtime, so their CPU time can be told apart: the
//! generator's is read from `/proc/thread-self/stat` on its thread, the whole process's from
//! `/proc/self/stat` (both in clock ticks, `utime + stime`), before and after each phase. The
//! share printed is the generator's part of the CPU time the process used during the phase
//! (the rest went to the server: HTTP, signature check, JSON, engine, SQLite).

#![warn(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use asl_bench::{NoTasks, wf};
use asl_runtime::Engine;
use asl_runtime::store::SqliteStore;
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;

type Error = Box<dyn std::error::Error + Send + Sync>;

const KEY: &str = "AKIDBENCH";
const SECRET: &str = "bench-secret-key";
const REGION: &str = "us-east-1";
const MACHINE: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:chain";

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str, default: u64| -> u64 {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let seconds = Duration::from_secs(arg("--seconds", 5));
    let clients = arg("--clients", 64) as usize;
    let server_threads = arg("--server-threads", 2) as usize;
    // Without a credential the server skips signature checks (requests are still signed).
    let no_auth = args.iter().any(|a| a == "--no-auth");

    let dir = std::env::temp_dir().join(format!("asl-bench-api-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;

    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(server_threads)
        .thread_name("server")
        .enable_all()
        .build()?;
    let addr = server_rt.block_on(async {
        let engine = Engine::builder()
            .store(SqliteStore::open(dir.join("bench.db")).await?)
            .workflow("chain", wf::pass_chain_100::Workflow::new(NoTasks))
            .run_started(false)
            .build()
            .await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let config = if no_auth {
            asl_server::Config::new()
        } else {
            asl_server::Config::new().credential(KEY, SECRET)
        };
        tokio::spawn(async move {
            if let Err(e) = asl_server::serve_with(engine, config, listener).await {
                eprintln!("server stopped: {e}");
            }
        });
        Ok::<_, Error>(addr)
    })?;

    // The load generator: its own thread, its own runtime.
    let generator = std::thread::Builder::new()
        .name("load-generator".into())
        .spawn(move || -> Result<Vec<Phase>, Error> {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(generate(addr, clients, seconds))
        })?;
    let phases = generator
        .join()
        .map_err(|_| "the load generator panicked")??;
    for p in &phases {
        println!("{}", p.line(clients));
    }
    drop(server_rt);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// What one phase measured.
struct Phase {
    name: &'static str,
    requests: usize,
    elapsed: Duration,
    /// Latencies in microseconds, sorted.
    latencies: Vec<u32>,
    generator_cpu: f64,
    process_cpu: f64,
}

impl Phase {
    fn line(&self, clients: usize) -> String {
        let pct = |q: f64| {
            let i = ((self.latencies.len() as f64 - 1.0) * q).round() as usize;
            self.latencies.get(i).copied().unwrap_or(0) as f64 / 1000.0
        };
        let secs = self.elapsed.as_secs_f64();
        format!(
            "{}: {clients} clients, {} requests, {:.0}/s, p50 {:.2} ms, p99 {:.2} ms, load \
             generator CPU {:.0}% (of {:.2} CPU-seconds the process used in {:.1} s; generator \
             {:.2} cores, server {:.2} cores)",
            self.name,
            self.requests,
            self.requests as f64 / secs,
            pct(0.50),
            pct(0.99),
            100.0 * self.generator_cpu / self.process_cpu.max(f64::MIN_POSITIVE),
            self.process_cpu,
            secs,
            self.generator_cpu / secs,
            (self.process_cpu - self.generator_cpu) / secs,
        )
    }
}

async fn generate(
    addr: std::net::SocketAddr,
    clients: usize,
    seconds: Duration,
) -> Result<Vec<Phase>, Error> {
    let host = addr.to_string();
    let mut senders = Vec::with_capacity(clients);
    for _ in 0..clients {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let (sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                eprintln!("connection closed: {e}");
            }
        });
        senders.push(sender);
    }
    // A warm-up: connections, the SQLite cache, the allocator.
    let (senders, _) = phase(
        "warm-up",
        senders,
        &host,
        Duration::from_millis(500),
        |c, i| start_body(&format!("warm-{c}-{i}")),
        "StartExecution",
    )
    .await?;
    let (senders, starts) = phase(
        "start_execution",
        senders,
        &host,
        seconds,
        |c, i| start_body(&format!("run-{c}-{i}")),
        "StartExecution",
    )
    .await?;
    // Each client describes the executions it started, round and round.
    let per_client: Vec<usize> = starts.per_client.clone();
    let (_, describes) = phase(
        "describe_execution",
        senders,
        &host,
        seconds,
        move |c, i| {
            let n = per_client.get(c).copied().unwrap_or(1).max(1);
            let name = format!("run-{c}-{}", i % n);
            Bytes::from(format!(
                r#"{{"executionArn":"arn:aws:states:us-east-1:123456789012:execution:chain:{name}"}}"#
            ))
        },
        "DescribeExecution",
    )
    .await?;
    Ok(vec![starts.phase, describes.phase])
}

fn start_body(name: &str) -> Bytes {
    Bytes::from(format!(
        r#"{{"stateMachineArn":"{MACHINE}","name":"{name}","input":"{{\"order\":42}}"}}"#
    ))
}

struct PhaseResult {
    phase: Phase,
    per_client: Vec<usize>,
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

/// Runs `clients` loops of signed requests for `duration`; the body of request `i` of client
/// `c` is `body(c, i)`.
async fn phase(
    name: &'static str,
    senders: Vec<Sender>,
    host: &str,
    duration: Duration,
    body: impl Fn(usize, usize) -> Bytes + Send + Sync + 'static,
    action: &'static str,
) -> Result<(Vec<Sender>, PhaseResult), Error> {
    let body = Arc::new(body);
    let cpu_before = (thread_cpu()?, process_cpu()?);
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::with_capacity(senders.len());
    for (c, mut sender) in senders.into_iter().enumerate() {
        let body = body.clone();
        let host = host.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut i = 0usize;
            while Instant::now() < deadline {
                let request = signed(&host, action, body(c, i))?;
                let sent = Instant::now();
                sender.ready().await?;
                let response = sender.send_request(request).await?;
                let status = response.status();
                let bytes = response.into_body().collect().await?.to_bytes();
                if status != http::StatusCode::OK {
                    return Err(format!(
                        "{action} answered {status}: {}",
                        String::from_utf8_lossy(&bytes)
                    )
                    .into());
                }
                latencies.push(sent.elapsed().as_micros().min(u32::MAX as u128) as u32);
                i += 1;
            }
            Ok::<_, Error>((sender, latencies, i))
        }));
    }
    let mut senders = Vec::with_capacity(tasks.len());
    let mut latencies = Vec::new();
    let mut per_client = Vec::with_capacity(tasks.len());
    for t in tasks {
        let (sender, l, n) = t.await??;
        senders.push(sender);
        latencies.extend(l);
        per_client.push(n);
    }
    let elapsed = started.elapsed();
    let cpu_after = (thread_cpu()?, process_cpu()?);
    latencies.sort_unstable();
    Ok((
        senders,
        PhaseResult {
            phase: Phase {
                name,
                requests: latencies.len(),
                elapsed,
                latencies,
                generator_cpu: cpu_after.0 - cpu_before.0,
                process_cpu: cpu_after.1 - cpu_before.1,
            },
            per_client,
        },
    ))
}

/// A request as aws-sdk-sfn sends it, signed now.
fn signed(host: &str, action: &str, body: Bytes) -> Result<http::Request<Full<Bytes>>, Error> {
    let target = format!("AWSStepFunctions.{action}");
    let length = body.len().to_string();
    let headers = [
        ("host", host),
        ("content-type", "application/x-amz-json-1.0"),
        ("content-length", length.as_str()),
        ("x-amz-target", target.as_str()),
    ];
    let identity = Credentials::new(KEY, SECRET, None, None, "bench").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(REGION)
        .name("states")
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()?
        .into();
    let signable = SignableRequest::new(
        "POST",
        "/",
        headers.iter().copied(),
        SignableBody::Bytes(&body),
    )?;
    let (instructions, _) = sign(signable, &params)?.into_parts();
    let mut builder = http::Request::builder().method("POST").uri("/");
    for (k, v) in headers {
        builder = builder.header(k, v);
    }
    let mut request = builder.body(Full::new(body))?;
    instructions.apply_to_request_http1x(&mut request);
    Ok(request)
}

/// CPU seconds (user + system) of the calling thread.
fn thread_cpu() -> Result<f64, Error> {
    stat_cpu("/proc/thread-self/stat")
}

/// CPU seconds (user + system) of the whole process, every thread, ended ones included.
fn process_cpu() -> Result<f64, Error> {
    stat_cpu("/proc/self/stat")
}

/// `utime + stime` of a `/proc/…/stat` file, in seconds (Linux reports clock ticks of
/// `USER_HZ`, 100 per second on every architecture Linux exposes to user space).
fn stat_cpu(path: &str) -> Result<f64, Error> {
    let text = std::fs::read_to_string(path)?;
    // The command name (field 2) is in parentheses and may contain spaces: fields are
    // counted after the last `)`, where field 3 (state) comes first.
    let after = text
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .ok_or("unexpected stat format")?;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let field = |n: usize| -> Result<f64, Error> {
        Ok(fields.get(n - 3).ok_or("stat too short")?.parse::<u64>()? as f64)
    };
    Ok((field(14)? + field(15)?) / 100.0)
}
