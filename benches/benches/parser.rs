//! The HTTP/1.1 request-head parser: `hertz_protocol::http1::parse_request_head` (the checks
//! the server applies, header values kept as slices of the buffer) on three heads, next to
//! bare `httparse` (which only finds the fields and checks nothing of the framing).

use std::hint::black_box;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hertz_protocol::http1::parse_request_head;
use hertz_protocol::{Request, ServerConfig};

/// `(name, head)`: wrk's request, TechEmpower's plaintext request, and a browser's.
const HEADS: [(&str, &str); 3] = [
    (
        "wrk",
        "GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n",
    ),
    (
        "techempower",
        "GET /plaintext HTTP/1.1\r\nHost: server\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) \
         Gecko/20130501 Firefox/30.0 AppleWebKit/600.00 Chrome/30.0.0000.0 Trident/10.0 \
         Safari/600.00\r\nCookie: uid=12345678901234567890; __utma=1.1234567890.1234567890.\
         1234567890.1234567890.12; wd=2560x1600\r\nAccept: text/html,application/xhtml+xml,\
         application/xml;q=0.9,*/*;q=0.8\r\nAccept-Language: en-US,en;q=0.5\r\n\
         Connection: keep-alive\r\n\r\n",
    ),
    (
        "post-json",
        "POST /v1/teams/hertz/users?age=30&lang=en HTTP/1.1\r\nHost: api.example.com\r\n\
         User-Agent: curl/8.5.0\r\nAccept: application/json\r\nContent-Type: application/json\r\n\
         Content-Length: 27\r\nX-Request-Id: 4b1c2e9f-6f0a-4d3e-9b7a-2f1d3c4b5a69\r\n\
         Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.abc\r\n\
         Accept-Encoding: gzip, deflate, br\r\n\r\n",
    ),
];

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
