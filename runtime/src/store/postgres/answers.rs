//! Answers to task tokens across processes: the transaction that answers a task token raises
//! `pg_notify` on the store's channel with the token as payload (so only the task waiting on
//! it wakes; Postgres delivers it once that transaction commits), and a connection of its own
//! `LISTEN`s there for every process that asked ([`Answers::subscribe`]), so a worker
//! resumes an execution answered elsewhere (by an API server, say) at once rather than at
//! its next poll. Raised in the answer's transaction, it is delivered only if the answer
//! commits; should Postgres refuse it (its notification queue full, which a stuck listener
//! causes), the answer fails with that error and can be given again. Delivery is
//! best-effort: a lost one (a listener reconnecting) leaves the execution to the next poll,
//! as before; after its
//! connection is lost and opened again, the listener reports [`Answered::Unknown`] once,
//! for subscribers to look for what they may have missed.

use std::sync::Mutex;
use std::time::Duration;

use futures_util::StreamExt as _;
use tokio::sync::broadcast;
use tokio_postgres::{AsyncMessage, NoTls};

use super::pool::quote_ident;
use crate::store::Answered;

/// What the listening connection calls itself (`pg_stat_activity.application_name`).
pub(super) const APPLICATION_NAME: &str = "asl-answers";

/// The longest pause between attempts to listen again.
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// The first pause.
const MIN_BACKOFF: Duration = Duration::from_millis(100);
/// Answers kept for a subscriber that has not read them yet; one further behind lags and
/// looks at every token ([`Answered::Unknown`]).
const BACKLOG: usize = 4096;

/// The store's channel and, once someone subscribed, its listener.
pub(super) struct Answers {
    config: tokio_postgres::Config,
    channel: String,
    /// The tokens announced (and reconnections, as `Unknown`).
    seen: broadcast::Sender<Answered>,
    /// Listens while the store lives, from the first subscription (started again if the
    /// runtime it ran on has gone).
    listener: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Answers {
    /// The answers of the store in `schema` of the database `config` names: its channel is
    /// named after the schema (hashed: a channel name has at most 63 bytes), so stores
    /// sharing a database do not wake each other.
    pub(super) fn new(mut config: tokio_postgres::Config, schema: &str) -> Answers {
        use sha2::Digest as _;
        let digest = sha2::Sha256::digest(schema.as_bytes());
        let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        config.application_name(APPLICATION_NAME);
        Answers {
            config,
            channel: format!("asl_answers_{hex}"),
            seen: broadcast::channel(BACKLOG).0,
            listener: Mutex::new(None),
        }
    }

    /// The channel answers are announced on.
    pub(super) fn channel(&self) -> &str {
        &self.channel
    }

    /// A receiver of every answer given by any process from now on; starts listening (a
    /// task on the current runtime) unless a listener runs.
    pub(super) fn subscribe(&self) -> broadcast::Receiver<Answered> {
        let mut listener = self.listener.lock().unwrap_or_else(|e| e.into_inner());
        if listener.as_ref().is_none_or(|t| t.is_finished()) {
            *listener = Some(tokio::spawn(listen(
                self.config.clone(),
                self.channel.clone(),
                self.seen.clone(),
            )));
        }
        self.seen.subscribe()
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

/// Listens on `channel` until aborted, connecting again (with backoff) whenever the
/// connection is lost.
async fn listen(
    config: tokio_postgres::Config,
    channel: String,
    seen: broadcast::Sender<Answered>,
) {
    let mut backoff = MIN_BACKOFF;
    loop {
        if let Err(e) = listen_once(&config, &channel, &seen, &mut backoff).await {
            tracing::warn!(error = %e, channel = %channel, retry_in_ms = backoff.as_millis() as u64,
                "listening for task token answers failed; answers from other processes \
                 are found at the next poll meanwhile");
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// One connection's listening: returns when it ends. `backoff` starts over once listening.
async fn listen_once(
    config: &tokio_postgres::Config,
    channel: &str,
    seen: &broadcast::Sender<Answered>,
    backoff: &mut Duration,
) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = config.connect(NoTls).await?;
    let (ended_tx, ended) = tokio::sync::oneshot::channel();
    let wake = seen.clone();
    // The connection delivers notifications only while polled: drive it on a task of its
    // own, which the client's `LISTEN` needs too.
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        let result = loop {
            match messages.next().await {
                Some(Ok(AsyncMessage::Notification(n))) => {
                    // No subscriber left is no error: the next one starts from now.
                    let _ = wake.send(match n.payload() {
                        "" => Answered::Unknown,
                        token => Answered::Token(token.to_string()),
                    });
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => break Err(e),
                None => break Ok(()),
            }
        };
        let _ = ended_tx.send(result);
    });
    // Ends the driver however this returns (this task aborted with the store included).
    struct Abort(tokio::task::JoinHandle<()>);
    impl Drop for Abort {
        fn drop(&mut self) {
            self.0.abort();
        }
    }
    let _driver = Abort(driver);
    client
        .batch_execute(&format!("LISTEN {}", quote_ident(channel)))
        .await?;
    *backoff = MIN_BACKOFF;
    // Answers given while no connection listened: subscribers look once.
    let _ = seen.send(Answered::Unknown);
    let r = ended.await.unwrap_or(Ok(()));
    drop(client);
    r
}
