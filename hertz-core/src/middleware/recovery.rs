//! Recovery: a panicking handler becomes a `500` instead of a dropped connection.

use std::any::Any;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::{pin, Pin};
use std::task::{Context as TaskContext, Poll};

use crate::{Context, RequestContext};

/// Catches a panic in the rest of the chain, logs it through `tracing` with the request's
/// method and path, and answers `500`. The connection and the server keep serving.
/// [`Engine::default`](crate::Engine) installs it first (Hertz's `recovery.Recovery()`).
pub async fn recovery(ctx: Context, c: &mut RequestContext) {
    // Pinned on this future's own state: no allocation per request.
    let outcome = {
        let next = pin!(c.next(ctx));
        CatchUnwind(next).await
    };
    if let Err(panic) = outcome {
        tracing::error!(
            panic = panic_message(&*panic),
            method = %c.method(),
            path = c.path(),
            "handler panicked; answered 500"
        );
        c.response_mut().reset();
        c.string(500, "Internal Server Error");
        c.abort();
    }
}

/// Polls the inner future inside `catch_unwind`; also what keeps a panicking HTTP/2 stream
/// from taking its connection's other streams down.
pub(crate) struct CatchUnwind<'f, F>(pub(crate) Pin<&'f mut F>);

impl<F: Future> Future for CatchUnwind<'_, F> {
    type Output = Result<F::Output, Box<dyn Any + Send>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        // The future is dropped right after a panic and never polled again, so state it left
        // half-updated cannot be observed; that is what makes `AssertUnwindSafe` sound here.
        let inner = self.0.as_mut();
        match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(out)) => Poll::Ready(Ok(out)),
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}

pub(crate) fn panic_message(panic: &(dyn Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("non-string panic payload")
}
