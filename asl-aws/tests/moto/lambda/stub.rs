//! A stand-in for Lambda's `Invoke` endpoint, and raw HTTP to moto's `/moto-api`.
//!
//! moto's Lambda without Docker always succeeds, so failed functions, missing functions,
//! throttling and timeouts are answered by this stub: a local HTTP/1.1 server that answers each
//! request as the test says (with the headers AWS sends) and records what it received.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// A request the stub received.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Path and query (`/2015-03-31/functions/f/invocations?Qualifier=1`).
    pub target: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Seen {
    /// The value of header `name` (lower case), if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// The stub's answer to one request.
#[derive(Debug, Clone)]
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// Answer only after this long (a function that outlives the client's timeout).
    delay: Duration,
}

/// The request id the stub's answers carry.
pub const REQUEST_ID: &str = "8c1fd5c3-7d4b-4b8e-9a3e-2f6b1c0d9e71";

impl Reply {
    fn new(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: vec![
                ("Content-Type".into(), "application/json".into()),
                ("x-amzn-RequestId".into(), REQUEST_ID.into()),
                ("Connection".into(), "keep-alive".into()),
            ],
            body: body.as_bytes().to_vec(),
            delay: Duration::ZERO,
        }
    }

    /// A function that returned `payload` (its JSON text), with the headers AWS sends.
    pub fn returned(payload: &str) -> Reply {
        Reply::new(200, payload)
            .header("X-Amz-Executed-Version", "$LATEST")
            .header("x-amzn-Remapped-Content-Length", "0")
            .header(
                "X-Amzn-Trace-Id",
                "Root=1-6650f0a1-3c1b2d4e5f60718293a4b5c6",
            )
    }

    /// A function that failed: Lambda answers 200 with `X-Amz-Function-Error: Unhandled`.
    pub fn failed(payload: &str) -> Reply {
        Reply::returned(payload).header("X-Amz-Function-Error", "Unhandled")
    }

    /// Lambda's own error `code` (`ResourceNotFoundException`) with `message`.
    pub fn error(status: u16, code: &str, message: &str) -> Reply {
        let body = serde_json::json!({"Type": "User", "Message": message}).to_string();
        Reply::new(status, &body).header("x-amzn-ErrorType", code)
    }

    /// A status with an empty body.
    pub fn bare(status: u16) -> Reply {
        Reply::new(status, "")
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn after(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }
}

type Answer = dyn Fn(&Seen, usize) -> Reply + Send + Sync;

/// A running stub; it stops with the test's runtime.
pub struct Stub {
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Stub {
    /// Starts a stub answering the `n`th request (from 0) with `answer(request, n)`.
    pub async fn start(answer: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) -> Stub {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let answer: Arc<Answer> = Arc::new(answer);
        let log = Arc::clone(&seen);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, Arc::clone(&answer), Arc::clone(&log)));
            }
        });
        Stub { url, seen }
    }

    /// Starts a stub answering every request with `reply`.
    pub async fn always(reply: Reply) -> Stub {
        Stub::start(move |_, _| reply.clone()).await
    }

    /// The requests received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// The integrations, calling this stub in `region`.
    pub async fn aws(&self, region: &str) -> asl_aws::Aws {
        asl_aws::Aws::from_conf(crate::common::sdk_config(&self.url, region).await)
    }
}

async fn serve(stream: TcpStream, answer: Arc<Answer>, log: Arc<Mutex<Vec<Seen>>>) {
    let mut stream = BufReader::new(stream);
    // Keep-alive: the SDK may send several requests on one connection.
    while let Some(request) = read_request(&mut stream).await {
        let reply = {
            let mut log = log.lock().unwrap();
            let reply = answer(&request, log.len());
            log.push(request);
            reply
        };
        tokio::time::sleep(reply.delay).await;
        let mut head = format!("HTTP/1.1 {} Stub\r\n", reply.status);
        for (k, v) in &reply.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n", reply.body.len()));
        let out = stream.get_mut();
        if out.write_all(head.as_bytes()).await.is_err()
            || out.write_all(&reply.body).await.is_err()
        {
            return;
        }
    }
}

/// Reads one request, or `None` at the end of the connection.
async fn read_request(stream: &mut BufReader<TcpStream>) -> Option<Seen> {
    let mut line = String::new();
    stream.read_line(&mut line).await.ok()?;
    let target = line.split_whitespace().nth(1)?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if stream.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (k, v) = line.split_once(':')?;
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
    }
    let length = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    stream.read_exact(&mut body).await.ok()?;
    Some(Seen {
        target,
        headers,
        body,
    })
}

/// A URL where nothing listens.
pub fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    url
}

/// POSTs JSON to moto (`/moto-api/...`), returning the status.
pub async fn moto_post(base: &str, path: &str, body: &serde_json::Value) -> u16 {
    let host = base
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let body = body.to_string();
    let mut stream = TcpStream::connect(&host).await.unwrap();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}
