//! Delivers queued emails: over SMTP when `LOOPWRIGHT_SMTP_URL` is set,
//! otherwise as `.eml` files in `<data dir>/outbox/`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment as MimeAttachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::Notify;

use super::{OutboxMessage, claim_due, lease_for, mark_attempt_failed, mark_sent};
use crate::db::DbPool;
use crate::db::models::now;

/// The longest one delivery may take, whatever the relay does: lettre's
/// timeout bounds each SMTP command, this bounds the whole exchange (connect,
/// EHLO, MAIL, RCPT, DATA). The lease of a row is derived from it.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(60);

/// Rows sent per round before the worker looks again (each claimed alone).
const ROUND: usize = 10;

pub enum Transport {
    Smtp(Box<AsyncSmtpTransport<Tokio1Executor>>),
    Files(PathBuf),
}

impl Transport {
    pub fn from_settings(
        smtp_url: Option<&str>,
        data_dir: &std::path::Path,
    ) -> Result<Self, String> {
        match smtp_url {
            Some(url) => AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map(|builder| {
                    Transport::Smtp(Box::new(
                        builder.timeout(Some(Duration::from_secs(15))).build(),
                    ))
                })
                .map_err(|e| format!("LOOPWRIGHT_SMTP_URL: {e}")),
            None => Ok(Transport::Files(data_dir.join("outbox"))),
        }
    }

    async fn deliver(&self, message: &OutboxMessage, email: Message) -> Result<(), String> {
        match self {
            Transport::Smtp(smtp) => smtp.send(email).await.map(|_| ()).map_err(|e| {
                tracing::warn!(id = message.id, error = %e, "outbox: SMTP delivery failed");
                failure_reason(&e)
            }),
            Transport::Files(dir) => {
                let path = dir.join(format!("{:08}-{}.eml", message.id, message.kind));
                let dir = dir.clone();
                let bytes = email.formatted();
                tokio::task::spawn_blocking(move || {
                    std::fs::create_dir_all(&dir)?;
                    std::fs::write(path, bytes)
                })
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())
            }
        }
    }
}

/// What a failed SMTP delivery says to the recruiter (the candidate's page,
/// the outbox API, the prep pack's webhook): the mail server's own words
/// when it refused, otherwise what went wrong in a sentence, without the
/// operating system's error text (that goes to the log).
pub fn failure_reason(e: &lettre::transport::smtp::Error) -> String {
    let server_words = || {
        std::error::Error::source(e)
            .map(|s| s.to_string().replace(['\r', '\n'], " "))
            .filter(|s| !s.trim().is_empty())
    };
    let code = e.status().map(|c| c.to_string()).unwrap_or_default();
    if e.is_permanent() {
        match server_words() {
            Some(words) => format!("The mail server refused it ({code}): {}", words.trim()),
            None => format!("The mail server refused it ({code})."),
        }
    } else if e.is_transient() {
        format!("The mail server asked to try again later ({code}).")
    } else if e.is_timeout() {
        "The mail server did not answer in time.".to_owned()
    } else if e.is_tls() {
        "No secure connection to the mail server could be made.".to_owned()
    } else {
        "The mail server could not be reached.".to_owned()
    }
}

/// Builds the MIME message: multipart/alternative (text, HTML), inside
/// multipart/mixed when there are attachments. Typed headers encode names and
/// subjects, so user text cannot inject headers.
pub fn build_message(from: &Mailbox, message: &OutboxMessage) -> Result<Message, String> {
    let address = crate::domain::EmailAddress::ascii_of(&message.recipient_email)
        .parse()
        .map_err(|e| format!("bad recipient address: {e}"))?;
    let name =
        Some(message.recipient_name.replace(['\r', '\n'], " ")).filter(|n| !n.trim().is_empty());
    let alternative = MultiPart::alternative()
        .singlepart(SinglePart::plain(message.text_body.clone()))
        .singlepart(SinglePart::html(message.html_body.clone()));
    let attachments = message.attachments();
    let body = if attachments.is_empty() {
        alternative
    } else {
        attachments.into_iter().try_fold(
            MultiPart::mixed().multipart(alternative),
            |mixed, a| {
                let content_type = ContentType::parse(&a.content_type)
                    .map_err(|e| format!("bad attachment type: {e}"))?;
                Ok::<_, String>(
                    mixed.singlepart(MimeAttachment::new(a.filename).body(a.content, content_type)),
                )
            },
        )?
    };
    Message::builder()
        .from(from.clone())
        .to(Mailbox::new(name, address))
        .subject(message.subject.replace(['\r', '\n'], " "))
        .message_id(Some(format!(
            "<outbox-{}.{}@loopwright>",
            message.id,
            &crate::auth::token::digest(&message.idempotency_key)[..16]
        )))
        .multipart(body)
        .map_err(|e| format!("cannot build the email: {e}"))
}

pub struct Worker {
    pub pool: DbPool,
    pub transport: Transport,
    pub from: Mailbox,
    /// Woken when an email is queued by this process.
    pub wake: Arc<Notify>,
    pub retry_base: Duration,
    pub poll_every: Duration,
    /// The longest one send may take; see [`SEND_TIMEOUT`].
    pub send_timeout: Duration,
}

impl Worker {
    /// Runs until the process stops.
    pub async fn run(self) {
        loop {
            let sent = match self.deliver_due().await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "outbox: could not claim emails");
                    0
                }
            };
            if sent == 0 {
                tokio::select! {
                    _ = self.wake.notified() => {}
                    _ = tokio::time::sleep(self.poll_every) => {}
                }
            }
        }
    }

    /// Delivers up to ten due rows, claiming each one just before sending it
    /// so that no lease covers more than one send; returns how many it handled.
    pub async fn deliver_due(&self) -> Result<usize, String> {
        let lease = lease_for(self.send_timeout);
        for handled in 0..ROUND {
            let pool = self.pool.clone();
            let claimed = actix_web::web::block(move || {
                let mut conn = pool.get().map_err(|e| e.to_string())?;
                claim_due(&mut conn, now(), 1, lease).map_err(|e| e.to_string())
            })
            .await
            .map_err(|e| e.to_string())??;
            let Some(message) = claimed.into_iter().next() else {
                return Ok(handled);
            };
            let outcome = self.send(&message).await;
            self.record(message, outcome).await;
        }
        Ok(ROUND)
    }

    /// Builds and delivers one email within `send_timeout`.
    async fn send(&self, message: &OutboxMessage) -> Result<(), String> {
        let email = build_message(&self.from, message)?;
        tokio::time::timeout(self.send_timeout, self.transport.deliver(message, email))
            .await
            .unwrap_or_else(|_| {
                Err(format!(
                    "The mail server did not answer within {} s.",
                    self.send_timeout.as_secs()
                ))
            })
    }

    async fn record(&self, message: OutboxMessage, outcome: Result<(), String>) {
        let pool = self.pool.clone();
        let retry_base = self.retry_base;
        let recorded = actix_web::web::block(move || {
            let mut conn = pool.get().map_err(|e| e.to_string())?;
            // The outcome and the webhook event it makes (prep packs) at once.
            crate::db::write_transaction(&mut conn, |conn| match &outcome {
                Ok(()) => {
                    tracing::info!(id = message.id, kind = %message.kind, "outbox: email delivered");
                    let at = now();
                    mark_sent(conn, message.id, at)?;
                    // Who it went to stays in the outbox row (erasable), not here.
                    crate::db::models::AuditEvent::record(
                        conn,
                        None,
                        "email.sent",
                        ("outbox_message", Some(message.id)),
                        serde_json::json!({"kind": message.kind, "candidate_id": message.candidate_id}),
                    )?;
                    crate::webhooks::events::prep_pack_outcome(conn, &message, None, at)
                }
                Err(error) => {
                    tracing::warn!(id = message.id, attempts = message.attempts, %error, "outbox: delivery failed; will retry");
                    let at = now();
                    if mark_attempt_failed(conn, &message, error, at, retry_base)? {
                        crate::webhooks::events::prep_pack_outcome(conn, &message, Some(error), at)?;
                    }
                    Ok(())
                }
            })
            .map_err(|e: diesel::result::Error| e.to_string())
        })
        .await;
        if let Err(e) | Ok(Err(e)) = recorded.map_err(|e| e.to_string()) {
            tracing::error!(error = %e, "outbox: could not record a delivery outcome");
        }
    }
}
