//! nginx (Debian's package) as a child process on a free loopback port, with a config
//! written into a temp dir, for tests against a server nobody here wrote.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use super::WAIT;

pub struct Nginx {
    pub addr: SocketAddr,
    pub dir: PathBuf,
    child: Child,
}

fn nginx_binary() -> PathBuf {
    for candidate in ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"] {
        let path = PathBuf::from(candidate);
        if path.exists() {
            return path;
        }
    }
    panic!(
        "nginx is not installed: these tests run against a real nginx. \
         Install it with `apt-get install -y nginx` (.ci/run does)."
    );
}

/// A port free right now on 127.0.0.1 (bound, then released for nginx).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Nginx {
    /// Starts nginx serving `locations` (the inside of a `server { }` block, after its
    /// `listen`) and waits until it accepts connections.
    pub fn start(locations: &str) -> Nginx {
        let binary = nginx_binary();
        let dir = std::env::temp_dir().join(format!(
            "hertz-client-nginx-{}-{}",
            std::process::id(),
            free_port()
        ));
        std::fs::create_dir_all(dir.join("logs")).unwrap();
        let port = free_port();
        let d = dir.display();
        let conf = format!(
            r#"
daemon off;
master_process off;
worker_processes 1;
error_log {d}/logs/error.log warn;
pid {d}/nginx.pid;
events {{ worker_connections 256; }}
http {{
    access_log {d}/logs/access.log;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    keepalive_timeout 60s;
    keepalive_requests 10000;
    server {{
        listen 127.0.0.1:{port};
        location = /status {{ stub_status; }}
        {locations}
    }}
}}
"#
        );
        let conf_path = dir.join("nginx.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let child = Command::new(binary)
            .arg("-p")
            .arg(&dir)
            .arg("-c")
            .arg(&conf_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start nginx");
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let mut nginx = Nginx { addr, dir, child };
        // Readiness: poll connect until nginx listens (no sleeping on a guess), bounded.
        let started = Instant::now();
        loop {
            if std::net::TcpStream::connect(addr).is_ok() {
                break;
            }
            if let Ok(Some(status)) = nginx.child.try_wait() {
                let log =
                    std::fs::read_to_string(nginx.dir.join("logs/error.log")).unwrap_or_default();
                panic!("nginx exited with {status}: {log}");
            }
            assert!(started.elapsed() < WAIT, "nginx did not start listening");
            std::thread::yield_now();
        }
        nginx
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Writes a file under the served root (`root {dir}/html` in locations).
    pub fn html_dir(&self) -> PathBuf {
        let p = self.dir.join("html");
        std::fs::create_dir_all(&p).unwrap();
        p
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// nginx's `stub_status` "accepts" counter: connections accepted so far.
pub fn accepts(status_page: &str) -> u64 {
    // Active connections: 1
    // server accepts handled requests
    //  1 1 3
    let line = status_page.lines().nth(2).expect("stub_status line 3");
    line.split_whitespace().next().unwrap().parse().unwrap()
}
