//! Retries: how many attempts, how long to wait between them, and which failures qualify
//! (Hertz's `retry.Config`).
//!
//! By default a call is attempted once. With [`RetryConfig::max_attempts`] above one, a
//! failed attempt is retried when the predicate allows it; the default predicate
//! ([`RetryConfig::default_retry_if`]) retries failures (never responses) of idempotent
//! requests whose body is not a stream. Separately, and independent of this policy, a
//! request that fails because a kept-alive connection turned out to be closed is re-sent
//! once on a fresh connection when that is safe (see [`Client`](crate::Client)).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use hertz_protocol::{Request, Response};

use crate::Error;

/// Decides whether an attempt's outcome is retried: the request, and the response or the
/// error of the attempt.
pub type RetryIf = Arc<dyn Fn(&Request, Result<&Response, &Error>) -> bool + Send + Sync>;

/// How long to wait before the next attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Delay {
    /// Retry at once.
    None,
    /// The same delay every time.
    Fixed(Duration),
    /// A uniformly random delay in `[0, max]` (jitter).
    Random(Duration),
    /// `base × 2^(attempt−1)`, capped at `max`.
    Backoff {
        /// Delay before the second attempt.
        base: Duration,
        /// Upper bound.
        max: Duration,
    },
    /// The sum of several policies (e.g. backoff plus jitter), capped at `max`.
    Combined {
        /// The policies to add up.
        parts: Vec<Delay>,
        /// Upper bound.
        max: Duration,
    },
}

impl Delay {
    /// The delay after the `attempt`-th attempt failed (1-based).
    pub fn delay(&self, attempt: u32) -> Duration {
        match self {
            Delay::None => Duration::ZERO,
            Delay::Fixed(d) => *d,
            Delay::Random(max) => {
                let nanos = u64::try_from(max.as_nanos()).unwrap_or(u64::MAX);
                Duration::from_nanos(fastrand::u64(0..=nanos))
            }
            Delay::Backoff { base, max } => {
                let factor = 1u32
                    .checked_shl(attempt.saturating_sub(1))
                    .unwrap_or(u32::MAX);
                base.checked_mul(factor).unwrap_or(*max).min(*max)
            }
            Delay::Combined { parts, max } => parts
                .iter()
                .fold(Duration::ZERO, |sum, p| {
                    sum.saturating_add(p.delay(attempt))
                })
                .min(*max),
        }
    }
}

/// The retry policy of a client.
#[derive(Clone)]
pub struct RetryConfig {
    pub(crate) max_attempts: u32,
    pub(crate) delay: Delay,
    pub(crate) retry_if: Option<RetryIf>,
}

impl Default for RetryConfig {
    /// One attempt, no delay, the default predicate.
    fn default() -> Self {
        RetryConfig {
            max_attempts: 1,
            delay: Delay::None,
            retry_if: None,
        }
    }
}

impl fmt::Debug for RetryConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryConfig")
            .field("max_attempts", &self.max_attempts)
            .field("delay", &self.delay)
            .field("custom_retry_if", &self.retry_if.is_some())
            .finish()
    }
}

impl RetryConfig {
    /// One attempt (no retries).
    pub fn new() -> Self {
        Self::default()
    }

    /// Total attempts, the first included (at least 1).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// The delay policy.
    pub fn delay(mut self, delay: Delay) -> Self {
        self.delay = delay;
        self
    }

    /// Replaces the predicate. It also sees successful responses, so it can retry, say, a
    /// 503; requests with a streamed body are never retried whatever it says.
    pub fn retry_if(
        mut self,
        f: impl Fn(&Request, Result<&Response, &Error>) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.retry_if = Some(Arc::new(f));
        self
    }

    /// The default predicate: an attempt that failed, of an idempotent method
    /// (RFC 9110 §9.2.2).
    pub fn default_retry_if(req: &Request, outcome: Result<&Response, &Error>) -> bool {
        outcome.is_err() && req.method().is_idempotent()
    }

    pub(crate) fn should_retry(&self, req: &Request, outcome: Result<&Response, &Error>) -> bool {
        match &self.retry_if {
            Some(f) => f(req, outcome),
            None => Self::default_retry_if(req, outcome),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn delays() {
        assert_eq!(Delay::None.delay(3), Duration::ZERO);
        assert_eq!(Delay::Fixed(5 * MS).delay(9), 5 * MS);
        let backoff = Delay::Backoff {
            base: 10 * MS,
            max: 50 * MS,
        };
        let seq: Vec<_> = (1..=5).map(|a| backoff.delay(a)).collect();
        assert_eq!(seq, [10 * MS, 20 * MS, 40 * MS, 50 * MS, 50 * MS]);
        assert_eq!(backoff.delay(200), 50 * MS);
        for _ in 0..100 {
            assert!(Delay::Random(3 * MS).delay(1) <= 3 * MS);
        }
        let combined = Delay::Combined {
            parts: vec![Delay::Fixed(10 * MS), Delay::Random(5 * MS)],
            max: 12 * MS,
        };
        for a in 1..10 {
            let d = combined.delay(a);
            assert!(d >= 10 * MS && d <= 12 * MS, "{d:?}");
        }
    }

    #[test]
    fn default_predicate_retries_failed_idempotent_requests_only() {
        let err = Error::new(crate::ErrorKind::ConnectionClosed);
        let mut req = Request::new();
        assert!(RetryConfig::default_retry_if(&req, Err(&err)));
        assert!(!RetryConfig::default_retry_if(&req, Ok(&Response::new())));
        req.set_method(hertz_protocol::Method::Post);
        assert!(!RetryConfig::default_retry_if(&req, Err(&err)));
    }
}
