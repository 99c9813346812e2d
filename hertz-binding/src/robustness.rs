//! Random input into the query, cookie and media-type parsers must never
//! panic (multipart has its own case in `multipart::tests`).

use crate::test_rng::Rng;
use crate::{cookie, mime, query};

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng::new(0x5eed_0002);
    for _ in 0..50_000 {
        let input = rng.bytes(64);
        for (k, v) in query::pairs(&input) {
            let _ = (k.len(), v.len());
        }
        let _ = query::get_all(&input, "a");
        for (n, v) in cookie::pairs(&input) {
            assert!(!n.is_empty());
            let _ = v.len();
        }
        let _ = cookie::get(&input, "a");
        let _ = mime::params(&input).count();
        let _ = mime::is_json(&input) || mime::is_multipart(&input) || mime::is_urlencoded(&input);
    }
}
