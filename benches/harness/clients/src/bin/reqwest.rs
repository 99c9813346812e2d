//! The client scenario with reqwest 0.12 (plain HTTP/1.1, no proxy): `client.get(url)
//! .send()` and `bytes()` per call, as its documentation shows.

use std::process::ExitCode;

use bench_clients::{check, drive, Driver};

async fn get(client: &reqwest::Client, url: &str) -> Result<(), String> {
    let resp = client.get(url).send().await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let body = resp.bytes().await.map_err(|e| e.to_string())?;
    check(status, &body)
}

fn main() -> ExitCode {
    drive("reqwest", |args, tally| {
        // No proxy: the environment's proxy settings must not route 127.0.0.1 elsewhere.
        let client = reqwest::Client::builder()
            .no_proxy()
            .build()
            .map_err(|err| format!("cannot build the client: {err}"))?;
        let tasks = (0..args.tasks)
            .map(|_| {
                let (client, tally, url) = (client.clone(), tally.clone(), args.url());
                tokio::spawn(async move {
                    while tally.running() {
                        tally.record(get(&client, &url).await);
                    }
                })
            })
            .collect();
        // reqwest does not count its connections; the socket counts of the outcome show
        // whether it kept them.
        Ok(Driver {
            tasks,
            dials: Box::new(|| None),
        })
    })
}
