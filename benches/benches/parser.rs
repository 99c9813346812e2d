//! The HTTP/1.1 request-head parser: `hertz_protocol::http1::parse_request_head` (the checks
//! the server applies, the fields filled into a reused `Request`) on three heads, next to
//! bare `httparse` (which only finds the fields and checks nothing of the framing).

use std::hint::black_box;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hertz_benches::REQUEST_HEADS as HEADS;
use hertz_protocol::http1::parse_request_head;
use hertz_protocol::{Request, ServerConfig};

fn bench_parse(c: &mut Criterion) {
    let config = ServerConfig::default();
    let mut group = c.benchmark_group("parse-head");
    for (name, head) in HEADS {
        let buf = Bytes::from_static(head.as_bytes());
        // Both must accept the head before their speed means anything.
        let mut req = Request::new();
        assert_eq!(
            parse_request_head(&buf, &config, &mut req).expect("valid head"),
            Some(head.len())
        );
        group.throughput(Throughput::Bytes(head.len() as u64));
        group.bench_function(format!("hertz/{name}"), |b| {
            let mut req = Request::new();
            b.iter(|| {
                let parsed = parse_request_head(black_box(&buf), &config, &mut req);
                black_box((parsed.is_ok(), req.path().len()));
            })
        });
        group.bench_function(format!("httparse/{name}"), |b| {
            b.iter(|| {
                let mut headers = [httparse::EMPTY_HEADER; 32];
                let mut parsed = httparse::Request::new(&mut headers);
                let status = parsed.parse(black_box(head.as_bytes()));
                black_box((status.is_ok(), parsed.path.map(str::len)));
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_parse);
criterion_main!(benches);
