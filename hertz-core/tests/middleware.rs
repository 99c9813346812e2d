//! Onion middleware over real sockets: order, post-processing, abort, groups, fallbacks.

mod support;

use rstest::rstest;

use hertz_core::{Context, RequestContext, Routes};
use support::{config, engine, get, start, Netpoll, Tokio, TransportKind};

/// The steps a request went through, kept in the request's key/value store.
#[derive(Default)]
struct Steps(Vec<&'static str>);

fn step(c: &mut RequestContext, name: &'static str) {
    if c.get::<Steps>().is_none() {
        c.set(Steps::default());
    }
    if let Some(steps) = c.get_mut::<Steps>() {
        steps.0.push(name);
    }
}

/// Outermost: runs the chain, then renders the steps as the body.
async fn render(ctx: Context, c: &mut RequestContext) {
    c.next(ctx).await;
    let steps = c.get::<Steps>().map(|s| s.0.join(",")).unwrap_or_default();
    let status = c.response().status().as_u16();
    c.string(status, steps);
}

async fn outer(ctx: Context, c: &mut RequestContext) {
    step(c, "outer-pre");
    c.next(ctx).await;
    step(c, "outer-post");
}

/// Returns without calling `next`: the chain continues (Hertz's index semantics).
async fn passive(_ctx: Context, c: &mut RequestContext) {
    step(c, "passive");
}

async fn guard(_ctx: Context, c: &mut RequestContext) {
    step(c, "guard");
    if c.get_header("authorization").is_none() {
        c.abort_with_status(401);
    }
}

async fn handler(_ctx: Context, c: &mut RequestContext) {
    step(c, "handler");
    c.status(200);
}

async fn group_mw(ctx: Context, c: &mut RequestContext) {
    step(c, "group-pre");
    c.next(ctx).await;
    step(c, "group-post");
}

async fn aborted_check(_ctx: Context, c: &mut RequestContext) {
    let aborted = c.is_aborted();
    step(
        c,
        if aborted {
            "saw-aborted"
        } else {
            "not-aborted"
        },
    );
}

#[rstest]
#[tokio::test]
async fn registration_order_is_execution_order_with_post_processing(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let mut h = engine(transport);
    h.use_(render).use_(outer).use_(passive);
    h.get("/x", handler);
    let server = start(h).await;
    let reply = get(&server, "/x").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.text(), "outer-pre,passive,handler,outer-post");
    server.shutdown().await.unwrap();
}

#[rstest]
#[tokio::test]
async fn abort_stops_the_chain_but_outer_middleware_still_finishes(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let mut h = engine(transport);
    h.use_(render).use_(outer).use_(guard);
    h.get("/secret", handler);
    let server = start(h).await;
    let reply = get(&server, "/secret").await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.text(), "outer-pre,guard,outer-post");

    let mut raw = support::Raw::connect(&server).await;
    raw.send(b"GET /secret HTTP/1.1\r\nHost: a\r\nAuthorization: yes\r\n\r\n")
        .await;
    let reply = raw.response().await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.text(), "outer-pre,guard,handler,outer-post");
    server.shutdown().await.unwrap();
}

#[rstest]
#[tokio::test]
async fn groups_have_their_own_middleware(#[values(Tokio, Netpoll)] transport: TransportKind) {
    let mut h = engine(transport);
    h.use_(render);
    {
        let mut api = h.group("/api");
        api.use_(group_mw);
        api.get("/in", handler);
        let mut admin = api.group("/admin");
        admin.use_(guard);
        admin.get("/panel", handler);
    }
    h.get("/out", handler);
    let server = start(h).await;
    assert_eq!(
        get(&server, "/api/in").await.text(),
        "group-pre,handler,group-post"
    );
    let admin = get(&server, "/api/admin/panel").await;
    assert_eq!(admin.status, 401);
    assert_eq!(admin.text(), "group-pre,guard,group-post");
    assert_eq!(get(&server, "/out").await.text(), "handler");
    server.shutdown().await.unwrap();
}

#[rstest]
#[tokio::test]
async fn middleware_registered_after_a_route_does_not_wrap_it(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let mut h = engine(transport);
    h.use_(render);
    h.get("/early", handler);
    h.use_(outer);
    h.get("/late", handler);
    let server = start(h).await;
    assert_eq!(get(&server, "/early").await.text(), "handler");
    assert_eq!(
        get(&server, "/late").await.text(),
        "outer-pre,handler,outer-post"
    );
    server.shutdown().await.unwrap();
}

#[rstest]
#[tokio::test]
async fn is_aborted_is_visible_to_outer_middleware(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    async fn watcher(ctx: Context, c: &mut RequestContext) {
        c.next(ctx.clone()).await;
        aborted_check(ctx, c).await;
    }
    let mut h = engine(transport);
    h.use_(render).use_(watcher).use_(guard);
    h.get("/x", handler);
    let server = start(h).await;
    assert_eq!(get(&server, "/x").await.text(), "guard,saw-aborted");
    server.shutdown().await.unwrap();
}

#[rstest]
#[tokio::test]
async fn no_route_and_no_method_handlers_run_after_engine_middleware(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    async fn custom_404(_ctx: Context, c: &mut RequestContext) {
        step(c, "no-route");
        c.status(404);
    }
    async fn custom_405(_ctx: Context, c: &mut RequestContext) {
        step(c, "no-method");
        c.status(405);
    }
    let mut h =
        hertz_core::Engine::with_defaults(config(transport).handle_method_not_allowed(true));
    h.use_(render);
    h.no_route(custom_404).no_method(custom_405);
    h.get("/only-get", handler);
    let server = start(h).await;
    let reply = get(&server, "/nothing-here").await;
    assert_eq!((reply.status, reply.text().as_str()), (404, "no-route"));
    let reply = support::request(&server, "DELETE", "/only-get").await;
    assert_eq!((reply.status, reply.text().as_str()), (405, "no-method"));
    assert_eq!(reply.header("allow"), Some("GET"));
    server.shutdown().await.unwrap();
}

/// Makes a `next` future and drops it unpolled.
async fn drops_next(ctx: Context, c: &mut RequestContext) {
    step(c, "drops");
    drop(c.next(ctx));
}

/// `next` runs one handler left directly and several through the chain's loop; a `next`
/// dropped unpolled has run nothing, so the chain goes on after its middleware returns.
#[rstest]
#[tokio::test]
async fn next_runs_the_rest_of_the_chain_only_when_polled(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let mut h = engine(transport);
    h.use_(render);
    h.get("/deep", handler); // render's `next`: one handler left
    h.use_(drops_next).use_(outer);
    h.get("/dropped", handler); // render's `next`: three left; outer's: one
    let server = start(h).await;
    assert_eq!(get(&server, "/deep").await.text(), "handler");
    assert_eq!(
        get(&server, "/dropped").await.text(),
        "drops,outer-pre,handler,outer-post"
    );
    server.shutdown().await.unwrap();
}

/// A handler whose future borrows the handler itself (its text), as `next` lets it.
struct Greeter(String);

impl hertz_core::Handler for Greeter {
    fn call<'a>(
        &'a self,
        _ctx: Context,
        c: &'a mut RequestContext,
    ) -> hertz_core::HandlerFuture<'a> {
        hertz_core::HandlerFuture::new(async move {
            hertz_protocol::Exchange::reset(c);
            c.string(200, self.0.as_str());
        })
    }
}

/// `next` borrows the running handler from the route instead of cloning it, relying on the
/// engine owning every route. A handler that resets its context mid-chain (dropping the
/// context's reference to the route) must keep running with its own state intact; were the
/// route freed with the context's reference, the handler's text would be freed memory (the
/// allocator reuses its first bytes, and valgrind reports the read). The chain ends there:
/// the reset context has no route left.
#[rstest]
#[tokio::test]
async fn route_outlives_its_context_reset(#[values(Tokio, Netpoll)] transport: TransportKind) {
    let mut h = engine(transport);
    h.use_(outer);
    h.get("/reset", Greeter("still here after the reset".into()));
    h.get("/after", handler);
    let server = start(h).await;
    let mut raw = support::Raw::connect(&server).await;
    raw.send(b"GET /reset HTTP/1.1\r\nHost: a\r\n\r\n").await;
    let reply = raw.response().await;
    assert_eq!(
        (reply.status, reply.text().as_str()),
        (200, "still here after the reset")
    );
    // The connection's next request runs its own route normally.
    raw.send(b"GET /after HTTP/1.1\r\nHost: a\r\n\r\n").await;
    assert_eq!(raw.response().await.status, 200);
    server.shutdown().await.unwrap();
}
