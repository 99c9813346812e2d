//! Tracing hooks around every request (Hertz's `tracer.Tracer`).

use std::time::Duration;

use hertz_protocol::{Context, Interval};

use crate::RequestContext;

/// Called at the start and the end of every request.
///
/// `start` runs before routing; `finish` runs after the response was written, when
/// [`RequestContext::stats`] holds the timings of reading the head and body, handling and
/// writing, and the bytes received and sent. With no tracer registered the server collects
/// no statistics at all.
pub trait Tracer: Send + Sync + 'static {
    /// The request begins (its head and body have been read).
    fn start(&self, ctx: &Context, c: &mut RequestContext);
    /// The response has been written (or writing failed).
    fn finish(&self, ctx: &Context, c: &RequestContext);
}

/// A [`Tracer`] that opens a `tracing` span per request (handlers' own events nest in it)
/// and logs one `debug` event with method, route, status, sizes and phase timings when the
/// request finishes.
#[derive(Clone, Copy, Debug, Default)]
pub struct LogTracer;

impl Tracer for LogTracer {
    fn start(&self, _ctx: &Context, c: &mut RequestContext) {
        let span = tracing::info_span!(
            "request",
            method = %c.method(),
            path = c.path(),
        );
        c.span = Some(span);
    }

    fn finish(&self, _ctx: &Context, c: &RequestContext) {
        let stats = c.stats();
        let micros = |i: Option<Interval>| {
            i.map_or(Duration::ZERO, |i| i.end.saturating_duration_since(i.start))
                .as_micros() as u64
        };
        let _entered = c.span.as_ref().map(tracing::Span::enter);
        tracing::debug!(
            route = c.full_path(),
            status = c.response().status().as_u16(),
            recv_bytes = stats.recv_size,
            send_bytes = stats.send_size,
            read_header_us = micros(stats.read_header),
            read_body_us = micros(stats.read_body),
            handle_us = micros(stats.handle),
            write_us = micros(stats.write),
            "request finished"
        );
    }
}
