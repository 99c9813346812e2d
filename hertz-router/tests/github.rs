//! The GitHub REST API route set (`shared/data/github-api-routes.tsv`, beside the repository):
//! all patterns under `GET`, and each sample path must find exactly its own pattern.

use std::path::PathBuf;

use hertz_router::{Lookup, Params, Router};

fn routes() -> Vec<(String, String)> {
    let file =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/github-api-routes.tsv");
    let text = std::fs::read_to_string(&file).unwrap_or_else(|err| {
        panic!(
            "cannot read the GitHub route table at {} ({err}); \
             the repository expects shared/ to sit beside it",
            file.display()
        )
    });
    let rows: Vec<_> = text
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (pattern, path) = line
                .split_once('\t')
                .unwrap_or_else(|| panic!("malformed line (want pattern<TAB>path): {line:?}"));
            (pattern.to_owned(), path.to_owned())
        })
        .collect();
    assert!(
        rows.len() >= 100,
        "only {} routes in {}",
        rows.len(),
        file.display()
    );
    rows
}

#[test]
fn every_github_path_finds_its_own_pattern() {
    let rows = routes();
    let mut router = Router::new();
    for (i, (pattern, _)) in rows.iter().enumerate() {
        router
            .insert("GET", pattern, i)
            .unwrap_or_else(|err| panic!("inserting {pattern}: {err}"));
    }
    let mut params = Params::new();
    for (i, (pattern, path)) in rows.iter().enumerate() {
        match router.find("GET", path, &mut params) {
            Lookup::Found {
                value,
                pattern: got,
            } => {
                assert_eq!((got, *value), (pattern.as_str(), i), "path {path}");
            }
            Lookup::NotFound { tsr } => panic!("{path} not found (tsr {tsr}), want {pattern}"),
        }
        // Every `:name` got a value, which is the matching path segment.
        let names: Vec<_> = pattern
            .split('/')
            .zip(path.split('/'))
            .filter_map(|(p, s)| p.strip_prefix(':').map(|name| (name, s)))
            .collect();
        assert_eq!(params.iter().collect::<Vec<_>>(), names, "path {path}");
        // The case-insensitive lookup finds the same route again.
        assert_eq!(
            router.find_case_insensitive("GET", path, false).as_deref(),
            Some(path.as_str())
        );
    }
    assert_eq!(router.routes().count(), rows.len());
}
