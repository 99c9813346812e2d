//! `Context`: the long-lived, cancellable half of Hertz's two handler contexts.

use std::any::{Any, TypeId};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use hertz_transport::CancelToken;

/// Request-scoped values and a cancellation signal (Go's `context.Context` in Hertz handlers).
///
/// Cheap to clone, `Send + Sync + 'static`: move it into spawned tasks or hand it to the
/// client. The server cancels it when the client disconnects while the request is being
/// handled, and when the server starts shutting down; handlers that do long work can
/// `select!` on [`Context::cancelled`].
#[derive(Clone)]
pub struct Context {
    inner: Arc<Inner>,
}

struct Inner {
    cancel: CancelToken,
    values: Mutex<Vec<(TypeId, Box<dyn Any + Send + Sync>)>>,
}

impl Context {
    /// A context that is never cancelled unless [`Context::cancel`] is called.
    pub fn background() -> Self {
        Self::with_token(CancelToken::new())
    }

    /// A context cancelled together with `token`.
    pub fn with_token(token: CancelToken) -> Self {
        Context {
            inner: Arc::new(Inner {
                cancel: token,
                values: Mutex::new(Vec::new()),
            }),
        }
    }

    /// A new context, cancelled when this one is (or by its own [`Context::cancel`]), that
    /// starts with no values.
    pub fn child(&self) -> Self {
        Self::with_token(self.inner.cancel.child())
    }

    /// Cancels this context and its children.
    pub fn cancel(&self) {
        self.inner.cancel.cancel();
    }

    /// Whether the context has been cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancel.is_cancelled()
    }

    /// Completes when the context is cancelled.
    ///
    /// # Cancel safety
    /// Cancel safe.
    pub async fn cancelled(&self) {
        self.inner.cancel.cancelled().await
    }

    /// Stores a value of type `T`, replacing an earlier one.
    pub fn set_value<T: Any + Send + Sync + Clone>(&self, value: T) {
        let mut values = self.values();
        let id = TypeId::of::<T>();
        match values.iter_mut().find(|(t, _)| *t == id) {
            Some((_, slot)) => *slot = Box::new(value),
            None => values.push((id, Box::new(value))),
        }
    }

    /// A clone of the stored value of type `T`.
    pub fn value<T: Any + Send + Sync + Clone>(&self) -> Option<T> {
        let values = self.values();
        let id = TypeId::of::<T>();
        values
            .iter()
            .find(|(t, _)| *t == id)
            .and_then(|(_, v)| v.downcast_ref::<T>().cloned())
    }

    /// Reuses this context for the next request if nobody else holds it; otherwise (a
    /// handler kept a clone) starts a fresh one on `token`.
    pub(crate) fn recycle(&mut self, token: &CancelToken) {
        if !self.try_reuse() {
            *self = Context::with_token(token.clone());
        }
    }

    /// For protocol servers: readies this context for another request — its values
    /// cleared, its token kept — when nobody else holds it and it was not cancelled, and
    /// says whether it did. `false` (a handler kept a clone, or the request was cancelled)
    /// means the next request needs a new context.
    pub fn try_reuse(&mut self) -> bool {
        match Arc::get_mut(&mut self.inner) {
            Some(inner) if !inner.cancel.is_cancelled() => {
                let values = inner
                    .values
                    .get_mut()
                    .unwrap_or_else(PoisonError::into_inner);
                // Few requests store values; an empty list skips the drop glue's call.
                if !values.is_empty() {
                    values.clear();
                }
                true
            }
            _ => false,
        }
    }

    fn values(&self) -> std::sync::MutexGuard<'_, Vec<(TypeId, Box<dyn Any + Send + Sync>)>> {
        // A panic while holding the lock cannot leave the list half-updated, so poisoning
        // carries no information here.
        self.inner
            .values
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for Context {
    fn default() -> Self {
        Self::background()
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("cancelled", &self.is_cancelled())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_unshared_uncancelled_context_is_reused() {
        let mut ctx = Context::background();
        ctx.set_value(7u32);
        assert!(ctx.try_reuse());
        assert_eq!(ctx.value::<u32>(), None, "values are cleared");

        let kept = ctx.clone();
        assert!(!ctx.try_reuse(), "a handler still holds it");
        drop(kept);
        assert!(ctx.try_reuse());

        ctx.cancel();
        assert!(!ctx.try_reuse(), "a cancelled context stays cancelled");
    }
}
