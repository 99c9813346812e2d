//! The routed benchmark app answers every GitHub API sample path with its own pattern, as
//! the benchmark's response checks expect.

use std::path::PathBuf;

use hertz_core::testing::TestClient;
use hertz_core::Config;
use hertz_examples::{github_app, read_route_patterns};

#[tokio::test]
async fn every_sample_path_answers_its_pattern() {
    let file =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/github-api-routes.tsv");
    let patterns = read_route_patterns(&file).unwrap();
    assert!(patterns.len() > 100, "{} routes", patterns.len());
    let text = std::fs::read_to_string(&file).unwrap();
    let client = TestClient::new(github_app(Config::default(), &patterns));
    for line in text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (pattern, path) = line.split_once('\t').unwrap();
        let resp = client.get(path).send().await;
        assert_eq!(resp.status(), 200, "{path}");
        assert_eq!(resp.text(), pattern, "{path}");
        assert_eq!(resp.header("content-type"), Some("text/plain"), "{path}");
    }
    assert_eq!(client.get("/no/such/route").send().await.status(), 404);
}
