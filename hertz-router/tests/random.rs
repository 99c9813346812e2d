//! Randomised checks against a naive reference model of the rules in the crate docs: no
//! input panics, the winner is the documented one, `tsr` means what it says, conflicts are
//! exactly the name-erased duplicates. A tiny PRNG with fixed seeds keeps runs reproducible.

use std::collections::HashSet;

use hertz_router::{clean_path, InsertErrorKind, Lookup, Params, Router};

/// xorshift64*.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const PATTERN_SEGMENTS: &[&str] = &[
    "a", "ab", "abc", "b", "A", "é", "éa", ":p", ":q", ":r", "x:p", "a:q", "*c", "*d", "", "a*b",
    "::", ":", "*",
];
const PATH_SEGMENTS: &[&str] = &[
    "a", "ab", "abc", "abd", "b", "A", "AB", "é", "éa", "x", "xa", "", ".", "..", "%41", "%zz",
    "%", "ab%2Fc", "a b", "ü",
];
const METHODS: &[&str] = &["GET", "POST", "DELETE"];

fn random_path(rng: &mut Rng, segments: &[&str], max: usize) -> String {
    let mut path = String::new();
    if rng.below(20) != 0 {
        path.push('/');
    }
    for i in 0..rng.below(max + 1) {
        if i > 0 {
            path.push('/');
        }
        path.push_str(rng.pick(segments));
    }
    if rng.below(4) == 0 {
        path.push('/');
    }
    path
}

/// A path that matches `pieces` (if nothing else wins), sometimes with a trailing slash
/// toggled to provoke trailing-slash recommendations.
fn instantiate(rng: &mut Rng, pieces: &[Piece]) -> String {
    let mut path = String::new();
    for piece in pieces {
        match piece {
            Piece::Static(text) => path.push_str(text),
            Piece::Param => path.push_str(rng.pick(&["a", "b", "x", "%41", "é", "ab", ""])),
            Piece::CatchAll => path.push_str(rng.pick(&["", "a", "a/b", "ab/", "%zz/x"])),
        }
    }
    if rng.below(4) == 0 {
        path = toggled(&path).unwrap_or(path);
    }
    path
}

/// A piece of an accepted pattern (the reference model's own reading of the syntax).
#[derive(Debug)]
enum Piece {
    Static(String),
    Param,
    CatchAll,
}

fn pieces(pattern: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ':' || c == '*' {
            if !text.is_empty() {
                out.push(Piece::Static(std::mem::take(&mut text)));
            }
            while chars.peek().is_some_and(|&c| c != '/') {
                chars.next();
            }
            out.push(if c == ':' {
                Piece::Param
            } else {
                Piece::CatchAll
            });
        } else {
            text.push(c);
        }
    }
    if !text.is_empty() {
        out.push(Piece::Static(text));
    }
    out
}

/// The raw values if `path` matches, per the crate docs' *Matching*.
fn matches<'p>(pieces: &[Piece], path: &'p str) -> Option<Vec<&'p str>> {
    let mut rest = path;
    let mut values = Vec::new();
    for piece in pieces {
        match piece {
            Piece::Static(text) => rest = rest.strip_prefix(text.as_str())?,
            Piece::Param => {
                if rest.is_empty() {
                    return None;
                }
                let end = rest.find('/').unwrap_or(rest.len());
                values.push(&rest[..end]);
                rest = &rest[end..];
            }
            Piece::CatchAll => {
                values.push(rest);
                rest = "";
            }
        }
    }
    rest.is_empty().then_some(values)
}

/// Priority key: compared lexicographically, smaller wins (end < static < param < catch-all).
fn priority(pieces: &[Piece]) -> Vec<(u8, u8)> {
    let mut key = Vec::new();
    for piece in pieces {
        match piece {
            Piece::Static(text) => key.extend(text.bytes().map(|b| (1, b))),
            Piece::Param => key.push((2, 0)),
            Piece::CatchAll => key.push((3, 0)),
        }
    }
    key.push((0, 0));
    key
}

/// The pattern with wildcard names erased: equal shapes conflict.
fn shape(pattern: &str) -> String {
    pieces(pattern)
        .iter()
        .map(|p| match p {
            Piece::Static(text) => text.as_str(),
            Piece::Param => ":",
            Piece::CatchAll => "*",
        })
        .collect()
}

struct Model {
    /// (method, pattern, pieces)
    routes: Vec<(String, String, Vec<Piece>)>,
}

impl Model {
    fn winner<'p>(&self, method: &str, path: &'p str) -> Option<(&str, Vec<&'p str>)> {
        self.routes
            .iter()
            .filter(|(m, _, _)| m == method)
            .filter_map(|(_, pattern, pieces)| {
                Some((priority(pieces), pattern.as_str(), matches(pieces, path)?))
            })
            .min_by(|a, b| a.0.cmp(&b.0))
            .map(|(_, pattern, values)| (pattern, values))
    }
}

fn toggled(path: &str) -> Option<String> {
    if path == "/" {
        None
    } else if let Some(rest) = path.strip_suffix('/') {
        Some(rest.to_owned())
    } else {
        Some(format!("{path}/"))
    }
}

#[test]
fn random_routers_follow_the_reference_model() {
    for seed in 1..=400u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let mut router = Router::new();
        let mut model = Model { routes: Vec::new() };
        let mut shapes = HashSet::new();
        for _ in 0..rng.below(16) {
            let method = rng.pick(METHODS);
            let pattern = random_path(&mut rng, PATTERN_SEGMENTS, 4);
            match router.insert(method, &pattern, pattern.clone()) {
                Ok(()) => {
                    assert!(
                        shapes.insert((method, shape(&pattern))),
                        "seed {seed}: {pattern} accepted but its shape is taken"
                    );
                    model
                        .routes
                        .push((method.to_owned(), pattern.clone(), pieces(&pattern)));
                }
                Err(err) => match err.kind() {
                    InsertErrorKind::Conflict { with } => {
                        assert_eq!(shape(with), shape(&pattern), "seed {seed}: {err}");
                        assert!(shapes.contains(&(method, shape(&pattern))), "seed {seed}");
                    }
                    InsertErrorKind::InvalidPattern { .. } => {
                        assert!(
                            !pattern.starts_with('/') || pattern.contains([':', '*']),
                            "seed {seed}: {err}"
                        );
                    }
                    _ => panic!("seed {seed}: unknown error kind: {err}"),
                },
            }
        }

        let mut params = Params::new();
        for _ in 0..60 {
            let (method, path) = match rng.below(2) {
                0 if !model.routes.is_empty() => {
                    let (method, _, pieces) = &model.routes[rng.below(model.routes.len())];
                    (method.as_str(), instantiate(&mut rng, pieces))
                }
                _ => (rng.pick(METHODS), random_path(&mut rng, PATH_SEGMENTS, 5)),
            };
            let got = router.find(method, &path, &mut params);
            let want = model.winner(method, &path);
            match (got, &want) {
                (Lookup::Found { value, pattern }, Some((winner, values))) => {
                    assert_eq!(
                        (pattern, value.as_str()),
                        (*winner, *winner),
                        "seed {seed}: {path}"
                    );
                    assert_eq!(params.len(), values.len(), "seed {seed}: {path}");
                    for ((_, got), raw) in params.iter().zip(values) {
                        if !raw.contains('%') {
                            assert_eq!(got, *raw, "seed {seed}: {path} on {winner}");
                        }
                    }
                }
                (Lookup::NotFound { tsr }, None) => {
                    assert!(params.is_empty());
                    let other = toggled(&path).and_then(|p| model.winner(method, &p).map(|_| ()));
                    assert_eq!(tsr, other.is_some(), "seed {seed}: tsr for {method} {path}");
                }
                (got, want) => panic!("seed {seed}: {method} {path}: got {got:?}, want {want:?}"),
            }

            let allowed = router.allowed_methods(&path, method);
            let want: Vec<_> = METHODS
                .iter()
                .filter(|&&m| m != method && model.winner(m, &path).is_some())
                .collect();
            assert_eq!(allowed.len(), want.len(), "seed {seed}: allowed for {path}");

            for fix in [false, true] {
                if let Some(fixed) = router.find_case_insensitive(method, &path, fix) {
                    let again = router.find(method, &fixed, &mut params);
                    assert!(
                        matches!(again, Lookup::Found { .. }),
                        "seed {seed}: {path} fixed to {fixed}, which is not found"
                    );
                    assert!(
                        fixed.eq_ignore_ascii_case(&clean_path(&path))
                            || (fix
                                && toggled(&clean_path(&path))
                                    .is_some_and(|t| t.eq_ignore_ascii_case(&fixed))),
                        "seed {seed}: {path} fixed to {fixed}"
                    );
                }
            }

            let cleaned = clean_path(&path);
            assert!(
                cleaned.starts_with('/') && !cleaned.contains("//"),
                "{path} → {cleaned}"
            );
            assert_eq!(clean_path(&cleaned), cleaned, "{path}");
        }
    }
}

#[test]
fn arbitrary_bytes_never_panic() {
    let mut router = Router::new();
    for pattern in [
        "/", "/a/:b/c", "/a/*x", "/:p", "/é/:q", "/%/*r", "/a:b", "/ab/:c/",
    ] {
        router.insert("GET", pattern, ()).unwrap();
    }
    let mut rng = Rng(0xDEAD_BEEF);
    let mut params = Params::new();
    let alphabet: Vec<char> = "/:*%.aAbcé\u{0}\u{7f}ü2F".chars().collect();
    for _ in 0..20_000 {
        let len = rng.below(24);
        let path: String = (0..len)
            .map(|_| alphabet[rng.below(alphabet.len())])
            .collect();
        let _ = router.find("GET", &path, &mut params);
        let _ = router.allowed_methods(&path, "POST");
        let _ = router.find_case_insensitive("GET", &path, true);
        let _ = clean_path(&path);
        let _ = Router::<()>::new().insert("GET", &path, ());
        let _ = router.insert("PUT", &path, ());
    }
}
