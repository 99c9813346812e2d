//! JSON rendering as `RequestContext::json` does it: `sonic_rs::to_writer` into the response's
//! reused `BytesMut` (the context itself cannot be built outside hertz-core, so this runs the
//! same call on the same buffer type), next to `serde_json::to_writer` into the same buffer.

use std::hint::black_box;

use bytes::{BufMut, BytesMut};
use criterion::{criterion_group, criterion_main, Criterion};
use serde::Serialize;

#[derive(Serialize)]
struct Message {
    message: &'static str,
}

#[derive(Serialize)]
struct User {
    id: u64,
    name: String,
    email: String,
    active: bool,
    score: f64,
    tags: Vec<&'static str>,
}

fn users() -> Vec<User> {
    (0..20)
        .map(|i| User {
            id: 1000 + i,
            name: format!("user-{i}"),
            email: format!("user-{i}@example.com"),
            active: i % 3 != 0,
            score: i as f64 * 1.25,
            tags: vec!["rust", "http", "hertz"],
        })
        .collect()
}

fn bench_json(c: &mut Criterion) {
    let message = Message {
        message: "Hello, World!",
    };
    let list = users();
    // Both must write the same bytes before their speed means anything.
    let mut a = BytesMut::new();
    let mut b = BytesMut::new();
    sonic_rs::to_writer((&mut a).writer(), &list).expect("sonic");
    serde_json::to_writer((&mut b).writer(), &list).expect("serde_json");
    assert_eq!(a, b);

    let mut group = c.benchmark_group("render-json");
    for (name, value) in [
        ("message", &message as &dyn erased::Value),
        ("20-users", &list as &dyn erased::Value),
    ] {
        group.bench_function(format!("sonic-rs/{name}"), |bench| {
            let mut buf = BytesMut::with_capacity(4096);
            bench.iter(|| {
                buf.clear();
                value.sonic(&mut buf);
                black_box(buf.len())
            })
        });
        group.bench_function(format!("serde_json/{name}"), |bench| {
            let mut buf = BytesMut::with_capacity(4096);
            bench.iter(|| {
                buf.clear();
                value.serde_json(&mut buf);
                black_box(buf.len())
            })
        });
    }
    group.finish();
}

/// Lets one loop run both value types through both serializers.
mod erased {
    use bytes::{BufMut, BytesMut};
    use serde::Serialize;

    pub trait Value {
        fn sonic(&self, buf: &mut BytesMut);
        fn serde_json(&self, buf: &mut BytesMut);
    }

    impl<T: Serialize> Value for T {
        fn sonic(&self, buf: &mut BytesMut) {
            sonic_rs::to_writer(buf.writer(), self).expect("sonic");
        }
        fn serde_json(&self, buf: &mut BytesMut) {
            serde_json::to_writer(buf.writer(), self).expect("serde_json");
        }
    }
}

criterion_group!(benches, bench_json);
criterion_main!(benches);
