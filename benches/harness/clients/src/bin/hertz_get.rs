//! The client scenario with hertz-rs's client through its convenience call: `client.get(&ctx,
//! url)`, a new `Response` per call (as reqwest's and hyper's calls make theirs), to show
//! what the caller-owned buffers of `client-hertz` save.

use std::process::ExitCode;

use bench_clients::{check, drive, Driver};
use hertz_client::{Client, Context};

async fn get(client: &Client, ctx: &Context, url: &str) -> Result<(), String> {
    let resp = client.get(ctx, url).await.map_err(|e| e.to_string())?;
    check(resp.status().as_u16(), resp.body().unwrap_or_default())
}

fn main() -> ExitCode {
    drive("hertz-get", |args, tally| {
        let client = Client::builder()
            .build()
            .map_err(|err| format!("cannot build the client: {err}"))?;
        let tasks = (0..args.tasks)
            .map(|_| {
                let (client, tally, url) = (client.clone(), tally.clone(), args.url());
                tokio::spawn(async move {
                    let ctx = Context::background();
                    while tally.running() {
                        tally.record(get(&client, &ctx, &url).await);
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
