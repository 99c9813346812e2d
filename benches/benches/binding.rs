//! `#[derive(Bind)]`: binding and validating a struct from a request, through the
//! `RequestView` trait, implemented here for a small in-bench request (no server, no engine),
//! next to the same fields read by hand.

use std::hint::black_box;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion};
use hertz_core::binding::{bind_and_validate, RequestView};
use hertz_core::Bind;

/// Path, query and header fields, with a default and `vd` rules.
#[derive(Bind, Debug)]
struct Search {
    #[hertz(path)]
    team: String,
    #[hertz(query, default = "10", vd = "$ > 0 && $ <= 100")]
    limit: u32,
    #[hertz(query = "tag")]
    tags: Vec<String>,
    #[hertz(header = "X-Request-Id")]
    request_id: Option<String>,
}

/// The README's example: path, JSON body, query and header.
#[derive(Bind, Debug)]
struct CreateUser {
    #[hertz(path)]
    team: String,
    #[hertz(json, required, vd = "len($) >= 2 && len($) <= 32")]
    name: String,
    #[hertz(query, default = "18", vd = "$ > 0 && $ < 150")]
    age: u8,
    #[hertz(header = "X-Request-Id")]
    request_id: Option<String>,
}

/// A request as the binder sees it.
struct BenchRequest {
    params: Vec<(&'static str, &'static str)>,
    query: &'static [u8],
    headers: Vec<(&'static str, &'static [u8])>,
    body: Bytes,
}

impl RequestView for BenchRequest {
    fn path_param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
    }
    fn query_string(&self) -> &[u8] {
        self.query
    }
    fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }
    fn body(&self) -> &[u8] {
        &self.body
    }
    fn body_bytes(&self) -> Bytes {
        self.body.clone()
    }
}

fn request(query: &'static [u8], body: &'static str) -> BenchRequest {
    BenchRequest {
        params: vec![("team", "hertz")],
        query,
        headers: vec![
            ("Host", b"api.example.com"),
            ("Content-Type", b"application/json"),
            ("X-Request-Id", b"4b1c2e9f-6f0a-4d3e-9b7a-2f1d3c4b5a69"),
        ],
        body: Bytes::from_static(body.as_bytes()),
    }
}

fn bench_binding(c: &mut Criterion) {
    let search = request(b"limit=20&tag=rust&tag=http&lang=en", "");
    let create = request(b"age=30", r#"{"name":"Xiaoming","extra":[1,2,3]}"#);
    let bound = bind_and_validate::<Search, _>(&search).expect("search binds");
    assert_eq!(
        (bound.team.as_str(), bound.limit, bound.tags.len()),
        ("hertz", 20, 2)
    );
    assert!(bound.request_id.is_some());
    let user = bind_and_validate::<CreateUser, _>(&create).expect("create binds");
    assert_eq!(
        (user.team.as_str(), user.name.as_str(), user.age),
        ("hertz", "Xiaoming", 30)
    );
    assert!(user.request_id.is_some());

    let mut group = c.benchmark_group("bind");
    group.bench_function("path+query+header", |b| {
        b.iter(|| black_box(bind_and_validate::<Search, _>(black_box(&search)).is_ok()))
    });
    group.bench_function("path+json+query+header", |b| {
        b.iter(|| black_box(bind_and_validate::<CreateUser, _>(black_box(&create)).is_ok()))
    });
    // A floor: the same path/query/header fields copied out by hand, without percent-decoding,
    // defaults, validation or error reporting.
    group.bench_function("by-hand/path+query+header", |b| {
        b.iter(|| {
            let req = black_box(&search);
            let team = req.path_param("team").unwrap_or_default().to_owned();
            let mut limit = 10u32;
            let mut tags = Vec::new();
            for pair in req.query_string().split(|b| *b == b'&') {
                let (k, v) = match pair.iter().position(|b| *b == b'=') {
                    Some(i) => (&pair[..i], &pair[i + 1..]),
                    None => (pair, &b""[..]),
                };
                match k {
                    b"limit" => {
                        limit = std::str::from_utf8(v)
                            .ok()
                            .and_then(|s| s.parse().ok())
                            .unwrap_or(limit)
                    }
                    b"tag" => tags.push(String::from_utf8_lossy(v).into_owned()),
                    _ => {}
                }
            }
            let request_id = req
                .header("X-Request-Id")
                .map(|v| String::from_utf8_lossy(v).into_owned());
            black_box((team, limit, tags, request_id))
        })
    });
    group.finish();
}

criterion_group!(benches, bench_binding);
criterion_main!(benches);
