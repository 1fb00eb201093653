//! Slow work that holds no connection, on a thread of its own.

use crate::error::AppError;

/// Runs `work` on a new thread named `name` and waits for its answer
/// without holding a worker or one of the blocking threads (those are as
/// many as the pool's connections, each kept for a request that reads or
/// writes): for a password hash or a call to the identity provider.
/// Callers bound how many run at once. [`AppError::Internal`] if the
/// thread cannot start or `work` panics.
pub async fn on_own_thread<T: Send + 'static>(
    name: &str,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let (answer, answered) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            // The request may have gone: nobody to answer then.
            let _ = answer.send(work());
        })
        .map_err(|e| AppError::Internal(e.into()))?;
    answered
        .await
        .map_err(|_| AppError::Internal(anyhow::anyhow!("the {name} thread panicked")))
}
