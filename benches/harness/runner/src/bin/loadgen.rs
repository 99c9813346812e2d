//! `loadgen JOB.json`: runs one fixed-rate (or closed-loop) job and prints its outcome as JSON.
//! `bench` runs it pinned to the load cores; see `bench_runner::loadgen`.

use std::process::ExitCode;

use bench_runner::job::Job;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: loadgen JOB.json");
        return ExitCode::from(2);
    };
    let job: Job = match std::fs::read(&path)
        .map_err(|err| err.to_string())
        .and_then(|bytes| serde_json::from_slice(&bytes).map_err(|err| err.to_string()))
    {
        Ok(job) => job,
        Err(err) => {
            eprintln!("loadgen: {path}: {err}");
            return ExitCode::from(2);
        }
    };
    match bench_runner::loadgen::run(&job) {
        Ok(outcome) => {
            println!("{}", serde_json::to_string(&outcome).expect("outcome"));
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("loadgen: {err}");
            ExitCode::FAILURE
        }
    }
}
