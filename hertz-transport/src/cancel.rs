//! A cancellation signal shared by the server, its connections and handler contexts.

use tokio_util::sync::CancellationToken;

/// A cloneable, hierarchical cancellation signal.
///
/// Cancelling a token cancels every token derived from it with [`CancelToken::child`], but not
/// its parent. It does not need a runtime: any executor can await [`CancelToken::cancelled`].
#[derive(Clone, Debug, Default)]
pub struct CancelToken(CancellationToken);

impl CancelToken {
    /// A new, not yet cancelled token.
    pub fn new() -> Self {
        Self::default()
    }

    /// A token that is cancelled when `self` is (or when cancelled itself).
    pub fn child(&self) -> Self {
        Self(self.0.child_token())
    }

    /// Cancels this token and all its children. Idempotent.
    pub fn cancel(&self) {
        self.0.cancel();
    }

    /// Whether the token has been cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.0.is_cancelled()
    }

    /// Completes when the token is cancelled.
    ///
    /// # Cancel safety
    /// Cancel safe: dropping the future loses nothing.
    pub async fn cancelled(&self) {
        self.0.cancelled().await
    }
}
