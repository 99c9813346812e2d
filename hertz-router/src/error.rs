//! The crate's one error type: why [`Router::insert`](crate::Router::insert) refused a route.

use std::fmt;

/// Why a route could not be registered.
///
/// The message always names the route being inserted and, for a conflict, the route it collides
/// with:
///
/// ```
/// use hertz_router::{InsertErrorKind, Router};
///
/// let mut router = Router::new();
/// router.insert("GET", "/users/:id", 1).unwrap();
/// let err = router.insert("GET", "/users/:name", 2).unwrap_err();
/// assert!(err.is_conflict());
/// assert_eq!(
///     err.to_string(),
///     "route `/users/:name` conflicts with existing route `/users/:id`"
/// );
/// assert_eq!(
///     err.kind(),
///     &InsertErrorKind::Conflict { with: "/users/:id".to_owned() }
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsertError {
    route: String,
    kind: InsertErrorKind,
}

/// What went wrong; see [`InsertError::kind`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InsertErrorKind {
    /// The route is the same as an already registered route of the same method once parameter
    /// and catch-all names are erased (e.g. `/users/:name` vs `/users/:id`, or the same pattern
    /// twice), so no request could ever tell them apart.
    Conflict {
        /// The pattern of the route that was registered first.
        with: String,
    },
    /// The pattern breaks the syntax rules (see the crate docs, *Patterns*).
    InvalidPattern {
        /// Which rule, in words.
        reason: String,
    },
}

impl InsertError {
    pub(crate) fn conflict(route: &str, with: &str) -> Self {
        InsertError {
            route: route.to_owned(),
            kind: InsertErrorKind::Conflict {
                with: with.to_owned(),
            },
        }
    }

    pub(crate) fn invalid(route: &str, reason: String) -> Self {
        InsertError {
            route: route.to_owned(),
            kind: InsertErrorKind::InvalidPattern { reason },
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> &InsertErrorKind {
        &self.kind
    }

    /// The pattern whose insertion failed.
    pub fn route(&self) -> &str {
        &self.route
    }

    /// Whether the route collides with one registered earlier.
    pub fn is_conflict(&self) -> bool {
        matches!(self.kind, InsertErrorKind::Conflict { .. })
    }

    /// Whether the pattern itself is malformed.
    pub fn is_invalid_pattern(&self) -> bool {
        matches!(self.kind, InsertErrorKind::InvalidPattern { .. })
    }
}

impl fmt::Display for InsertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            InsertErrorKind::Conflict { with } => write!(
                f,
                "route `{}` conflicts with existing route `{}`",
                self.route, with
            ),
            InsertErrorKind::InvalidPattern { reason } => {
                write!(f, "invalid route `{}`: {}", self.route, reason)
            }
        }
    }
}

impl std::error::Error for InsertError {}
