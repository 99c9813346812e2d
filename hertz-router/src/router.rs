//! [`Router`]: one tree per method, the route list, and the lookups the application makes.

use std::fmt;

use crate::error::InsertError;
use crate::matcher::same_bytes;
use crate::params::Params;
use crate::path::clean_path;
use crate::pattern::{self, Piece};
use crate::tree::{Refusal, Tree};

/// Maps `(method, path)` to a registered value; see the [crate docs](crate) for the rules.
pub struct Router<T> {
    /// One tree per method, in order of first registration.
    trees: Vec<Tree>,
    /// Every route, in registration order; trees point into this list.
    routes: Vec<Route<T>>,
}

struct Route<T> {
    method: Box<str>,
    pattern: Box<str>,
    /// Parameter and catch-all names, in pattern order, back to back…
    names: Box<str>,
    /// …and where each ends in `names`.
    name_ends: Box<[usize]>,
    value: T,
}

/// The outcome of [`Router::find`].
#[derive(Debug)]
pub enum Lookup<'r, T> {
    /// A route matched.
    Found {
        /// The value registered with the route.
        value: &'r T,
        /// The route's full pattern as registered, e.g. `/users/:id` (Hertz's `FullPath`).
        pattern: &'r str,
    },
    /// No route of this method matched.
    NotFound {
        /// Whether the path with its trailing slash toggled would match (Hertz's trailing
        /// slash recommendation): see the crate docs, *Trailing slashes*.
        tsr: bool,
    },
}

impl<T> Clone for Lookup<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Lookup<'_, T> {}

impl<T> Default for Router<T> {
    fn default() -> Self {
        Router::new()
    }
}

impl<T> Router<T> {
    /// An empty router.
    pub fn new() -> Self {
        Router {
            trees: Vec::new(),
            routes: Vec::new(),
        }
    }

    /// Registers `pattern` for `method` (compared case-sensitively, e.g. `"GET"`; any token
    /// is allowed).
    ///
    /// Fails if the pattern is malformed or conflicts with a route already registered for the
    /// same method (see the crate docs, *Conflicts*); the router is then unchanged.
    pub fn insert(&mut self, method: &str, pattern: &str, value: T) -> Result<(), InsertError> {
        let pieces =
            pattern::parse(pattern).map_err(|reason| InsertError::invalid(pattern, reason))?;
        let tree = match self.trees.iter().position(|t| t.method() == method) {
            Some(at) => &mut self.trees[at],
            None => {
                self.trees.push(Tree::new(method));
                let last = self.trees.len() - 1;
                &mut self.trees[last]
            }
        };
        let id = self.routes.len();
        match tree.insert(&pieces, id) {
            Ok(()) => {}
            Err(Refusal::Conflict(existing)) => {
                let with = self.routes.get(existing).map_or("", |r| &r.pattern);
                return Err(InsertError::conflict(pattern, with));
            }
            Err(Refusal::TooLarge) => {
                let reason = "the router holds too many bytes of patterns for this method";
                return Err(InsertError::invalid(pattern, reason.to_owned()));
            }
        }
        let mut names = String::new();
        let mut name_ends = Vec::new();
        for piece in &pieces {
            if let Piece::Param(name) | Piece::CatchAll(name) = *piece {
                names.push_str(name);
                name_ends.push(names.len());
            }
        }
        self.routes.push(Route {
            method: method.into(),
            pattern: pattern.into(),
            names: names.into(),
            name_ends: name_ends.into(),
            value,
        });
        Ok(())
    }

    /// Looks up `path` (the raw request path: no query string, still percent-encoded) among
    /// the routes of `method`.
    ///
    /// `params` is cleared, then filled with the matched route's percent-decoded values. With
    /// a reused `params` this does not allocate (see [`Params`]), found or not (but see the
    /// crate docs, *Performance*, for the one exception). On a miss, `tsr` is computed with a
    /// second search of the path with its trailing slash toggled.
    #[inline]
    pub fn find<'r>(&'r self, method: &str, path: &str, params: &mut Params) -> Lookup<'r, T> {
        params.clear();
        let Some(tree) = self.tree(method) else {
            return Lookup::NotFound { tsr: false };
        };
        if let Some(route) = tree.static_route(path.as_bytes()) {
            if let Some(route) = self.routes.get(route) {
                return Lookup::Found {
                    value: &route.value,
                    pattern: &route.pattern,
                };
            }
        }
        self.search(tree, path, params)
    }

    /// [`find`](Self::find) past the static table: the tree walk, kept out of line so that
    /// the static case inlines into the caller.
    #[inline(never)]
    fn search<'r>(&'r self, tree: &'r Tree, path: &str, params: &mut Params) -> Lookup<'r, T> {
        let tree = tree.matcher();
        let found = tree.search::<false>(path.as_bytes(), &mut params.captures);
        match found.and_then(|slot| self.routes.get(tree.route(slot)?)) {
            Some(route) => {
                params.fill(path, &route.names, &route.name_ends);
                Lookup::Found {
                    value: &route.value,
                    pattern: &route.pattern,
                }
            }
            None => Lookup::NotFound {
                tsr: with_toggled_slash(path.as_bytes(), |p| {
                    tree.search::<false>(p, &mut params.captures).is_some()
                })
                .unwrap_or(false),
            },
        }
    }

    /// The methods other than `except` that have a route matching `path`, in order of first
    /// registration — for a `405 Method Not Allowed` and its `Allow` header.
    pub fn allowed_methods(&self, path: &str, except: &str) -> Vec<&str> {
        let mut captures = Vec::new();
        self.trees
            .iter()
            .filter(|tree| tree.method() != except)
            .filter(|tree| {
                let found = tree
                    .matcher()
                    .search::<false>(path.as_bytes(), &mut captures);
                found.is_some()
            })
            .map(Tree::method)
            .collect()
    }

    /// Hertz's `RedirectFixedPath` support: matches [`clean_path`]`(path)` against the routes of
    /// `method` with static text compared ASCII-case-insensitively and returns the path spelled
    /// as registered (wildcard values as given). With `fix_trailing_slash`, if that fails, the
    /// cleaned path with its trailing slash toggled is tried too.
    ///
    /// ```
    /// use hertz_router::Router;
    ///
    /// let mut router = Router::new();
    /// router.insert("GET", "/Users/:id/", ()).unwrap();
    /// assert_eq!(
    ///     router.find_case_insensitive("GET", "/users//JOE/./", false).as_deref(),
    ///     Some("/Users/JOE/")
    /// );
    /// assert_eq!(router.find_case_insensitive("GET", "/USERS/joe", false), None);
    /// assert_eq!(
    ///     router.find_case_insensitive("GET", "/USERS/joe", true).as_deref(),
    ///     Some("/Users/joe/")
    /// );
    /// ```
    pub fn find_case_insensitive(
        &self,
        method: &str,
        path: &str,
        fix_trailing_slash: bool,
    ) -> Option<String> {
        let tree = self.tree(method)?.matcher();
        let path = clean_path(path);
        let mut captures = Vec::new();
        let mut spell = |p: &[u8]| {
            let slot = tree.search::<true>(p, &mut captures)?;
            tree.spell(slot, p, &captures)
        };
        spell(path.as_bytes()).or_else(|| {
            if fix_trailing_slash {
                with_toggled_slash(path.as_bytes(), spell)?
            } else {
                None
            }
        })
    }

    /// Every route as `(method, pattern, value)`, in registration order.
    pub fn routes(&self) -> impl Iterator<Item = (&str, &str, &T)> + '_ {
        self.routes
            .iter()
            .map(|r| (&*r.method, &*r.pattern, &r.value))
    }

    #[inline]
    // A plain loop: `Iterator::find` here stays an out-of-line call (measured with callgrind).
    #[allow(clippy::manual_find)]
    fn tree(&self, method: &str) -> Option<&Tree> {
        // Method names are short: a few word comparisons rather than a call to `memcmp`.
        let method = method.as_bytes();
        for tree in &self.trees {
            if same_bytes(tree.method().as_bytes(), method) {
                return Some(tree);
            }
        }
        None
    }
}

/// Calls `f` with `path` minus its trailing slash, or plus one if it has none. `None` for `/`,
/// which has no other form. Paths shorter than 256 bytes are extended on the stack; longer
/// ones (rare, and only on a miss) in a heap buffer.
fn with_toggled_slash<R>(path: &[u8], f: impl FnOnce(&[u8]) -> R) -> Option<R> {
    match path {
        [b'/'] => None,
        [rest @ .., b'/'] => Some(f(rest)),
        _ => {
            let mut stack = [0u8; 256];
            let mut heap = Vec::new();
            let buf = match stack.get_mut(..=path.len()) {
                Some(buf) => buf,
                None => {
                    heap.resize(path.len() + 1, 0);
                    &mut heap[..]
                }
            };
            let (last, head) = buf.split_last_mut()?;
            head.copy_from_slice(path);
            *last = b'/';
            Some(f(buf))
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Router<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.routes()).finish()
    }
}
