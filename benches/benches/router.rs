//! Router lookups on the GitHub REST API route set: hertz-router against matchit 0.9.
//!
//! Both routers get the same ~130 routes (`shared/data/github-api-routes.tsv`, beside the
//! repository); one iteration looks up every sample path once. hertz-router also copies each
//! parameter value into its reused `Params`, which matchit (borrowing from the path) does not.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};
use hertz_router::{Lookup, Params, Router};

fn github_routes() -> Vec<(String, String)> {
    let file =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/github-api-routes.tsv");
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|err| panic!("cannot read {} ({err})", file.display()));
    text.lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (pattern, path) = line.split_once('\t').expect("pattern<TAB>path");
            (pattern.to_owned(), path.to_owned())
        })
        .collect()
}

/// `/users/:id/*rest` → `/users/{id}/{*rest}`.
fn to_matchit(pattern: &str) -> String {
    pattern
        .split('/')
        .map(|segment| {
            if let Some(name) = segment.strip_prefix(':') {
                format!("{{{name}}}")
            } else if let Some(name) = segment.strip_prefix('*') {
                format!("{{*{name}}}")
            } else {
                segment.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn bench_github(c: &mut Criterion) {
    let routes = github_routes();
    let paths: Vec<&str> = routes.iter().map(|(_, path)| path.as_str()).collect();

    let mut ours = Router::new();
    let mut theirs = matchit::Router::new();
    for (i, (pattern, _)) in routes.iter().enumerate() {
        ours.insert("GET", pattern, i).expect("hertz-router insert");
        theirs
            .insert(to_matchit(pattern), i)
            .expect("matchit insert");
    }
    // Both must agree before their speed means anything.
    let mut params = Params::new();
    for (i, path) in paths.iter().enumerate() {
        assert!(
            matches!(ours.find("GET", path, &mut params), Lookup::Found { value, .. } if *value == i)
        );
        assert_eq!(*theirs.at(path).expect("matchit lookup").value, i);
    }

    let mut group = c.benchmark_group("github-routes");
    group.bench_function("hertz-router", |b| {
        let mut params = Params::new();
        b.iter(|| {
            for path in black_box(&paths) {
                let found = ours.find("GET", path, &mut params);
                black_box((found, &params));
            }
        })
    });
    group.bench_function("matchit", |b| {
        b.iter(|| {
            for path in black_box(&paths) {
                let found = theirs.at(path);
                let _ = black_box(found);
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench_github);
criterion_main!(benches);
