//! The client scenario with hertz-rs's client: `Client::do_` with each task's own
//! `Request`/`Response` reused across calls (Hertz's way: caller-owned buffers).

use std::process::ExitCode;

use bench_clients::{check, drive, Driver};
use hertz_client::{Client, Context, Request, Response};

fn main() -> ExitCode {
    drive("hertz", |args, tally| {
        let client = Client::builder()
            .build()
            .map_err(|err| format!("cannot build the client: {err}"))?;
        let url = args.url();
        let tasks = (0..args.tasks)
            .map(|_| {
                let (client, tally) = (client.clone(), tally.clone());
                let mut req = Request::new();
                req.set_uri(url.clone());
                tokio::spawn(async move {
                    let ctx = Context::background();
                    let mut resp = Response::new();
                    while tally.running() {
                        let result = match client.do_(&ctx, &mut req, &mut resp).await {
                            Ok(()) => {
                                check(resp.status().as_u16(), resp.body().unwrap_or_default())
                            }
                            Err(err) => Err(err.to_string()),
                        };
                        tally.record(result);
                    }
                })
            })
            .collect();
        Ok(Driver {
            tasks,
            dials: Box::new(move || Some(client.stats().dials)),
        })
    })
}
