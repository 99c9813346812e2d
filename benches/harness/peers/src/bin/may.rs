//! may-minihttp on `may` coroutines, one worker (worker pinning off, so `taskset` decides the
//! core), matchit routing. may-minihttp writes `Server: M` and `Date` itself.

use std::io::{self, Read};

use bench_peers::{matchit_router, Args, Route, MESSAGE, PLAINTEXT};
use bytes::BufMut;
use may_minihttp::{HttpService, HttpServiceFactory, Request, Response};

type Router = matchit::Router<Route>;

struct Service {
    router: &'static Router,
}

impl HttpService for Service {
    fn call(&mut self, req: Request, rsp: &mut Response) -> io::Result<()> {
        let route = self.router.at(req.path()).map(|m| *m.value);
        let get = req.method() == "GET";
        match route {
            Ok(Route::Plaintext) if get => {
                rsp.header("Content-Type: text/plain").body(PLAINTEXT);
            }
            Ok(Route::Json) if get => {
                rsp.header("Content-Type: application/json; charset=utf-8");
                serde_json::to_writer(rsp.body_mut().writer(), &MESSAGE)?;
            }
            Ok(Route::Echo) if req.method() == "POST" => {
                rsp.header("Content-Type: application/octet-stream");
                let mut body = req.body();
                let out = rsp.body_mut();
                let mut chunk = [0u8; 16 * 1024];
                loop {
                    let n = body.read(&mut chunk)?;
                    if n == 0 {
                        break;
                    }
                    out.extend_from_slice(&chunk[..n]);
                }
            }
            Ok(Route::Github(pattern)) if get => {
                rsp.header("Content-Type: text/plain").body(pattern);
            }
            Ok(_) => {
                rsp.status_code(405, "Method Not Allowed");
            }
            Err(_) => {
                rsp.status_code(404, "Not Found");
            }
        }
        Ok(())
    }
}

struct Factory {
    router: &'static Router,
}

impl HttpServiceFactory for Factory {
    type Service = Service;

    fn new_service(&self, _id: usize) -> Service {
        Service {
            router: self.router,
        }
    }
}

fn main() {
    let args = Args::parse();
    may::config()
        .set_workers(args.workers)
        .set_worker_pin(false);
    let router: &'static Router = Box::leak(Box::new(matchit_router(&args)));
    let server = Factory { router }.start(args.addr).expect("bind");
    server.join().expect("server");
}
