//! actix-web 4, `workers(N)` (1 by default), actix's own router. actix tries routes in
//! registration order, so the GitHub routes are registered most specific first (static
//! segments before parameters), which gives Hertz's priority.

use std::sync::Arc;

use actix_web::http::header::{CONTENT_TYPE, SERVER};
use actix_web::web::{self, Bytes};
use actix_web::{App, HttpResponse, HttpServer};
use bench_peers::{
    leak, specificity, to_actix, Args, APPLICATION_JSON, MESSAGE, OCTET_STREAM, PLAINTEXT,
    TEXT_PLAIN,
};

fn ok(content_type: &'static str, body: impl Into<Bytes>) -> HttpResponse {
    // actix adds `Date` itself (cached by its date service).
    HttpResponse::Ok()
        .insert_header((SERVER, "actix"))
        .insert_header((CONTENT_TYPE, content_type))
        .body(body.into())
}

async fn plaintext() -> HttpResponse {
    ok(TEXT_PLAIN, Bytes::from_static(PLAINTEXT.as_bytes()))
}

async fn json() -> HttpResponse {
    ok(
        APPLICATION_JSON,
        serde_json::to_vec(&MESSAGE).expect("serialize"),
    )
}

async fn echo(body: Bytes) -> HttpResponse {
    ok(OCTET_STREAM, body)
}

fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let mut routes: Vec<(String, &'static str)> = args
        .github_routes()
        .into_iter()
        .map(|(pattern, _)| (to_actix(&pattern), leak(pattern)))
        .collect();
    routes.sort_by_key(|(_, pattern)| specificity(pattern));
    let routes = Arc::new(routes);
    let workers = args.workers;
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(move || {
            let mut app = App::new()
                .app_data(web::PayloadConfig::new(1 << 20))
                .route("/plaintext", web::get().to(plaintext))
                .route("/json", web::get().to(json))
                .route("/echo", web::post().to(echo));
            for (path, body) in routes.iter() {
                let body: &'static str = body;
                app = app.route(
                    path,
                    web::get().to(move || async move {
                        ok(TEXT_PLAIN, Bytes::from_static(body.as_bytes()))
                    }),
                );
            }
            app
        })
        .workers(workers)
        .bind(args.addr)?
        .run()
        .await
    })
}
