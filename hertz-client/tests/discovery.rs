//! Service discovery against two of our servers: static and DNS resolvers, weighted
//! balancing, tags, per-request opt-in, refresh.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hertz_client::discovery::{
    Discovery, DnsResolver, Instance, LoadBalancer, Resolver, StaticResolver, WeightedRandom,
    WeightedRoundRobin,
};
use hertz_client::{BoxFuture, Error, ErrorKind, RequestOptions, Response};
use support::*;

#[tokio::test]
async fn weighted_round_robin_over_a_static_service() {
    let (a, b) = (ours().await, ours().await);
    let resolver = StaticResolver::new().service(
        "user-svc",
        vec![Instance::new(a.addr(), 3), Instance::new(b.addr(), 1)],
    );
    let client = builder()
        .use_(Discovery::new(resolver).balancer(WeightedRoundRobin::new()))
        .build()
        .unwrap();
    let opts = RequestOptions::new().discovery(true);
    let mut req = get("http://user-svc/header?name=host");
    let mut resp = Response::new();
    for _ in 0..40 {
        client
            .do_with(&ctx(), &mut req, &mut resp, &opts)
            .await
            .unwrap();
        assert_eq!(text(&resp), "user-svc", "Host names the service");
    }
    assert_eq!((a.requests(), b.requests()), (30, 10));
    assert_eq!(
        req.uri(),
        "http://user-svc/header?name=host",
        "URI restored"
    );
    assert_eq!(client.host_clients().len(), 2, "a pool per instance");
    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn discovery_is_opt_in_and_tags_filter() {
    let (a, b) = (ours().await, ours().await);
    // The "service" is A's own address, mapped to B: discovery decides where it goes.
    let service = a.addr().to_string();
    let resolver = StaticResolver::new().service(
        a.addr().ip().to_string(),
        vec![
            Instance::new(b.addr(), 1).tag("cluster", "blue"),
            Instance::new(a.addr(), 0),
        ],
    );
    let client = builder()
        .use_(Discovery::new(resolver).balancer(WeightedRandom::new()))
        .build()
        .unwrap();
    let url = format!("http://{service}/hello");
    let mut resp = Response::new();
    client.do_(&ctx(), &mut get(&url), &mut resp).await.unwrap();
    assert_eq!(
        (a.requests(), b.requests()),
        (1, 0),
        "no discovery without opt-in"
    );
    let opts = RequestOptions::new().discovery(true).tag("cluster", "blue");
    client
        .do_with(&ctx(), &mut get(&url), &mut resp, &opts)
        .await
        .unwrap();
    assert_eq!((a.requests(), b.requests()), (1, 1));
    let opts = RequestOptions::new()
        .discovery(true)
        .tag("cluster", "green");
    let err = client
        .do_with(&ctx(), &mut get(&url), &mut resp, &opts)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NoInstance, "{err}");
    a.stop().await;
    b.stop().await;
}

/// A resolver whose answers the test controls, counting calls.
struct Scripted {
    calls: Arc<AtomicUsize>,
    instances: Arc<std::sync::Mutex<Option<Vec<Instance>>>>,
}

impl Resolver for Scripted {
    fn name(&self) -> &str {
        "scripted"
    }
    fn resolve<'a>(&'a self, _: &'a str, _: u16) -> BoxFuture<'a, Result<Vec<Instance>, Error>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let found = self
            .instances
            .lock()
            .unwrap()
            .clone()
            .ok_or_else(|| Error::middleware("resolver down"));
        Box::pin(async move { found })
    }
}

#[tokio::test]
async fn instances_are_cached_and_refreshed() {
    let (a, b) = (ours().await, ours().await);
    let calls = Arc::new(AtomicUsize::new(0));
    let instances = Arc::new(std::sync::Mutex::new(Some(vec![Instance::new(
        a.addr(),
        1,
    )])));
    let scripted = || Scripted {
        calls: calls.clone(),
        instances: instances.clone(),
    };
    let opts = RequestOptions::new().discovery(true);
    let mut resp = Response::new();

    let cached = builder().use_(Discovery::new(scripted())).build().unwrap();
    for _ in 0..5 {
        cached
            .do_with(&ctx(), &mut get("http://svc/hello"), &mut resp, &opts)
            .await
            .unwrap();
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "cached within the refresh interval"
    );

    let refreshing = builder()
        .use_(Discovery::new(scripted()).refresh_interval(Duration::ZERO))
        .build()
        .unwrap();
    refreshing
        .do_with(&ctx(), &mut get("http://svc/hello"), &mut resp, &opts)
        .await
        .unwrap();
    *instances.lock().unwrap() = Some(vec![Instance::new(b.addr(), 1)]);
    refreshing
        .do_with(&ctx(), &mut get("http://svc/hello"), &mut resp, &opts)
        .await
        .unwrap();
    assert_eq!(
        b.requests(),
        1,
        "the new instance got traffic after a refresh"
    );
    // The resolver fails: the last good list is kept.
    *instances.lock().unwrap() = None;
    refreshing
        .do_with(&ctx(), &mut get("http://svc/hello"), &mut resp, &opts)
        .await
        .unwrap();
    assert_eq!(b.requests(), 2);
    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn dns_resolver_finds_localhost() {
    let found = DnsResolver::new().resolve("localhost", 8080).await.unwrap();
    assert!(
        found
            .iter()
            .any(|i| i.addr() == "127.0.0.1:8080".parse().unwrap()),
        "{found:?}"
    );
    assert!(found.iter().all(|i| i.weight() == 10));
    let picked = WeightedRoundRobin::new().pick("localhost", &found);
    assert!(picked.is_some());
}

#[tokio::test]
async fn max_connection_age_retires_connections() {
    let srv = ours().await;
    let client = builder().max_conn_duration(Duration::ZERO).build().unwrap();
    let mut resp = Response::new();
    for _ in 0..3 {
        client
            .do_(&ctx(), &mut get(&srv.url("/hello")), &mut resp)
            .await
            .unwrap();
    }
    assert_eq!(
        client.stats().dials,
        3,
        "each connection retired after its exchange"
    );
    assert_eq!(srv.connections(), 3);
    srv.stop().await;
}
