//! Answers to task tokens across processes: `update_token` raises `pg_notify` on the store's
//! channel in the answer's transaction, and a connection of its own `LISTEN`s there for
//! every process that asked ([`Answers::subscribe`]), so a worker resumes an execution
//! answered elsewhere (by an API server, say) at once rather than at its next poll.
//! Notifications are delivered only on commit, and only while listening: after the
//! listening connection is lost and opened again, subscribers are woken once to look for
//! what they may have missed.

use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use futures_util::StreamExt as _;
use tokio::sync::watch;
use tokio_postgres::{AsyncMessage, NoTls};

use super::pool::quote_ident;

/// The longest pause between attempts to listen again.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// The store's channel and, once someone subscribed, its listener.
pub(super) struct Answers {
    config: tokio_postgres::Config,
    channel: String,
    /// Counts notifications (and reconnections); started by the first subscriber.
    seen: OnceLock<watch::Receiver<u64>>,
    listener: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Answers {
    /// The answers of the store in `schema` (or the default one) of the database `config`
    /// names: its channel is named after the schema (hashed: a channel name has at most 63
    /// bytes), so stores sharing a database do not wake each other.
    pub(super) fn new(config: tokio_postgres::Config, schema: Option<&str>) -> Answers {
        use sha2::Digest as _;
        let digest = sha2::Sha256::digest(schema.unwrap_or("").as_bytes());
        let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        Answers {
            config,
            channel: format!("asl_answers_{hex}"),
            seen: OnceLock::new(),
            listener: Mutex::new(None),
        }
    }

    /// The channel answers are announced on.
    pub(super) fn channel(&self) -> &str {
        &self.channel
    }

    /// A receiver that changes on every answer given by any process; the first call starts
    /// listening (a task on the current runtime, ended when the store is dropped).
    pub(super) fn subscribe(&self) -> watch::Receiver<u64> {
        self.seen
            .get_or_init(|| {
                let (tx, rx) = watch::channel(0u64);
                let task = tokio::spawn(listen(self.config.clone(), self.channel.clone(), tx));
                *self.listener.lock().unwrap_or_else(|e| e.into_inner()) = Some(task);
                rx
            })
            .clone()
    }
}

impl Drop for Answers {
    fn drop(&mut self) {
        if let Some(task) = self
            .listener
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            task.abort();
        }
    }
}

/// Listens on `channel` until every subscriber is gone, connecting again (with backoff)
/// whenever the connection is lost.
async fn listen(config: tokio_postgres::Config, channel: String, seen: watch::Sender<u64>) {
    let mut backoff = Duration::from_millis(100);
    while !seen.is_closed() {
        match listen_once(&config, &channel, &seen).await {
            Ok(()) => backoff = Duration::from_millis(100),
            Err(e) => {
                tracing::warn!(error = %e, channel = %channel, retry_in_ms = backoff.as_millis() as u64,
                    "listening for task token answers failed; answers from other processes \
                     are found at the next poll meanwhile");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

/// One connection's listening: returns when it ends.
async fn listen_once(
    config: &tokio_postgres::Config,
    channel: &str,
    seen: &watch::Sender<u64>,
) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = config.connect(NoTls).await?;
    let (ended_tx, mut ended) = tokio::sync::oneshot::channel();
    let wake = seen.clone();
    // The connection delivers notifications only while polled: drive it on a task of its
    // own, which the client's `LISTEN` needs too.
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        let result = loop {
            match messages.next().await {
                Some(Ok(AsyncMessage::Notification(_))) => wake.send_modify(|n| *n += 1),
                Some(Ok(_)) => {}
                Some(Err(e)) => break Err(e),
                None => break Ok(()),
            }
        };
        let _ = ended_tx.send(result);
    });
    let listening = client
        .batch_execute(&format!("LISTEN {}", quote_ident(channel)))
        .await;
    if let Err(e) = listening {
        driver.abort();
        return Err(e);
    }
    // Answers given while no connection listened: subscribers look once.
    seen.send_modify(|n| *n += 1);
    tokio::select! {
        r = &mut ended => {
            drop(client);
            r.unwrap_or(Ok(()))
        }
        () = seen.closed() => {
            driver.abort();
            Ok(())
        }
    }
}
