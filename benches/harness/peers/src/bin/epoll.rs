//! The raw epoll responder: the machine's speed limit, not a framework.
//!
//! One thread per worker, each with its own `SO_REUSEPORT` listener and level-triggered epoll.
//! It reads, finds the end of each request head (`\r\n\r\n`), looks only at the request line
//! (and, for `POST`, at `Content-Length`, to skip and echo the body), and appends a canned
//! response per request; all answers to one read go out in one `write`. No validation, no
//! header map, no allocation per request beyond the echo copy. It serves the same bodies and
//! headers as the other servers, so the harness's checks hold for it too.

use std::collections::HashMap;
use std::io;
use std::os::fd::RawFd;
use std::time::{SystemTime, UNIX_EPOCH};

use bench_peers::{http_date, Args, MESSAGE, PLAINTEXT};

/// A canned answer: the bytes after `Date: <date>\r\n`.
struct Canned(Vec<u8>);

impl Canned {
    fn new(content_type: &str, body: &[u8]) -> Canned {
        let mut tail = format!(
            "Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        tail.extend_from_slice(body);
        Canned(tail)
    }
}

struct Answers {
    plaintext: Canned,
    json: Canned,
    github: HashMap<Vec<u8>, Canned>,
    not_found: Canned,
    /// `HTTP/1.1 200 OK\r\nServer: epoll\r\nDate: <date>\r\n`, rebuilt each second.
    head: Vec<u8>,
    head_404: Vec<u8>,
    date_secs: u64,
}

impl Answers {
    fn refresh_date(&mut self) {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        if secs == self.date_secs {
            return;
        }
        self.date_secs = secs;
        let date = http_date();
        for (head, status) in [
            (&mut self.head, "200 OK"),
            (&mut self.head_404, "404 Not Found"),
        ] {
            head.clear();
            head.extend_from_slice(b"HTTP/1.1 ");
            head.extend_from_slice(status.as_bytes());
            head.extend_from_slice(b"\r\nServer: epoll\r\nDate: ");
            head.extend_from_slice(&date);
            head.extend_from_slice(b"\r\n");
        }
    }
}

struct Conn {
    fd: RawFd,
    rbuf: Vec<u8>,
    /// Start of the first unanswered request in `rbuf`.
    start: usize,
    /// Where the search for the next head end resumes.
    scanned: usize,
    wbuf: Vec<u8>,
    wpos: usize,
    writing: bool,
}

fn find_head_end(buf: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i + 3 < buf.len() {
        if buf[i + 3] == b'\n' && &buf[i..i + 4] == b"\r\n\r\n" {
            return Some(i + 4);
        }
        i += 1;
    }
    None
}

fn content_length(head: &[u8]) -> usize {
    for line in head.split(|b| *b == b'\n') {
        if line.len() > 15 && line[..15].eq_ignore_ascii_case(b"content-length:") {
            return line[15..]
                .iter()
                .filter(|b| b.is_ascii_digit())
                .fold(0, |n, b| n * 10 + usize::from(b - b'0'));
        }
    }
    0
}

/// Answers every complete request in `conn.rbuf`.
fn answer(conn: &mut Conn, answers: &Answers) {
    loop {
        let Some(head_end) = find_head_end(&conn.rbuf, conn.scanned.max(conn.start)) else {
            conn.scanned = conn.rbuf.len().saturating_sub(3);
            return;
        };
        let head = &conn.rbuf[conn.start..head_end];
        let mut parts = head.splitn(3, |b| *b == b' ');
        let method = parts.next().unwrap_or_default();
        let path = parts.next().unwrap_or_default();
        if method == b"POST" {
            let len = content_length(head);
            if conn.rbuf.len() < head_end + len {
                // The body has not all arrived: find this head again next time.
                conn.scanned = conn.start;
                return;
            }
            conn.wbuf.extend_from_slice(&answers.head);
            conn.wbuf.extend_from_slice(
                format!("Content-Type: application/octet-stream\r\nContent-Length: {len}\r\n\r\n")
                    .as_bytes(),
            );
            conn.wbuf
                .extend_from_slice(&conn.rbuf[head_end..head_end + len]);
            conn.start = head_end + len;
        } else {
            let (head_bytes, canned) = match path {
                b"/plaintext" => (&answers.head, &answers.plaintext),
                b"/json" => (&answers.head, &answers.json),
                _ => match answers.github.get(path) {
                    Some(canned) => (&answers.head, canned),
                    None => (&answers.head_404, &answers.not_found),
                },
            };
            conn.wbuf.extend_from_slice(head_bytes);
            conn.wbuf.extend_from_slice(&canned.0);
            conn.start = head_end;
        }
        conn.scanned = conn.start;
    }
}

fn check(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

fn listen(args: &Args) -> io::Result<RawFd> {
    let std::net::SocketAddr::V4(addr) = args.addr else {
        return Err(io::Error::other("IPv4 only"));
    };
    unsafe {
        let fd = check(libc::socket(
            libc::AF_INET,
            libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            0,
        ))?;
        let one: libc::c_int = 1;
        for opt in [libc::SO_REUSEADDR, libc::SO_REUSEPORT] {
            check(libc::setsockopt(
                fd,
                libc::SOL_SOCKET,
                opt,
                &one as *const _ as *const libc::c_void,
                std::mem::size_of_val(&one) as libc::socklen_t,
            ))?;
        }
        let sin = libc::sockaddr_in {
            sin_family: libc::AF_INET as libc::sa_family_t,
            sin_port: addr.port().to_be(),
            sin_addr: libc::in_addr {
                s_addr: u32::from(*addr.ip()).to_be(),
            },
            sin_zero: [0; 8],
        };
        check(libc::bind(
            fd,
            &sin as *const _ as *const libc::sockaddr,
            std::mem::size_of_val(&sin) as libc::socklen_t,
        ))?;
        check(libc::listen(fd, 1024))?;
        Ok(fd)
    }
}

fn epoll_set(ep: RawFd, op: libc::c_int, fd: RawFd, events: u32) {
    let mut ev = libc::epoll_event {
        events,
        u64: fd as u64,
    };
    unsafe { libc::epoll_ctl(ep, op, fd, &mut ev) };
}

fn close(conns: &mut HashMap<RawFd, Conn>, fd: RawFd) {
    conns.remove(&fd);
    unsafe { libc::close(fd) };
}

/// Writes what is pending; returns false if the connection broke.
fn flush(ep: RawFd, conn: &mut Conn) -> bool {
    while conn.wpos < conn.wbuf.len() {
        let pending = &conn.wbuf[conn.wpos..];
        let n = unsafe { libc::write(conn.fd, pending.as_ptr().cast(), pending.len()) };
        if n < 0 {
            if io::Error::last_os_error().kind() == io::ErrorKind::WouldBlock {
                if !conn.writing {
                    conn.writing = true;
                    epoll_set(
                        ep,
                        libc::EPOLL_CTL_MOD,
                        conn.fd,
                        (libc::EPOLLIN | libc::EPOLLOUT) as u32,
                    );
                }
                return true;
            }
            return false;
        }
        conn.wpos += n as usize;
    }
    conn.wbuf.clear();
    conn.wpos = 0;
    if conn.writing {
        conn.writing = false;
        epoll_set(ep, libc::EPOLL_CTL_MOD, conn.fd, libc::EPOLLIN as u32);
    }
    true
}

fn serve(listener: RawFd, mut answers: Answers) -> io::Result<()> {
    let ep = check(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) })?;
    epoll_set(ep, libc::EPOLL_CTL_ADD, listener, libc::EPOLLIN as u32);
    let mut conns: HashMap<RawFd, Conn> = HashMap::new();
    let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; 256];
    loop {
        let n = unsafe { libc::epoll_wait(ep, events.as_mut_ptr(), events.len() as i32, -1) };
        if n < 0 {
            let err = io::Error::last_os_error();
            if err.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(err);
        }
        answers.refresh_date();
        for ev in &events[..n as usize] {
            let fd = ev.u64 as RawFd;
            let flags = ev.events;
            if fd == listener {
                loop {
                    let cfd = unsafe {
                        libc::accept4(
                            listener,
                            std::ptr::null_mut(),
                            std::ptr::null_mut(),
                            libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
                        )
                    };
                    if cfd < 0 {
                        break;
                    }
                    let one: libc::c_int = 1;
                    unsafe {
                        libc::setsockopt(
                            cfd,
                            libc::IPPROTO_TCP,
                            libc::TCP_NODELAY,
                            &one as *const _ as *const libc::c_void,
                            std::mem::size_of_val(&one) as libc::socklen_t,
                        )
                    };
                    epoll_set(ep, libc::EPOLL_CTL_ADD, cfd, libc::EPOLLIN as u32);
                    conns.insert(
                        cfd,
                        Conn {
                            fd: cfd,
                            rbuf: Vec::with_capacity(16 * 1024),
                            start: 0,
                            scanned: 0,
                            wbuf: Vec::with_capacity(16 * 1024),
                            wpos: 0,
                            writing: false,
                        },
                    );
                }
                continue;
            }
            let Some(conn) = conns.get_mut(&fd) else {
                continue;
            };
            if flags & (libc::EPOLLIN | libc::EPOLLHUP | libc::EPOLLERR) as u32 != 0 {
                if conn.rbuf.capacity() - conn.rbuf.len() < 8 * 1024 {
                    conn.rbuf.reserve(64 * 1024);
                }
                let spare = conn.rbuf.capacity() - conn.rbuf.len();
                let len = conn.rbuf.len();
                let got = unsafe { libc::read(fd, conn.rbuf.as_mut_ptr().add(len).cast(), spare) };
                if got == 0
                    || (got < 0 && io::Error::last_os_error().kind() != io::ErrorKind::WouldBlock)
                {
                    close(&mut conns, fd);
                    continue;
                }
                if got > 0 {
                    unsafe { conn.rbuf.set_len(len + got as usize) };
                    answer(conn, &answers);
                    // Drop what was answered.
                    if conn.start > 0 {
                        conn.rbuf.drain(..conn.start);
                        conn.scanned -= conn.start.min(conn.scanned);
                        conn.start = 0;
                    }
                }
            }
            if !conn.wbuf.is_empty() && !flush(ep, conn) {
                close(&mut conns, fd);
            }
        }
    }
}

fn main() {
    let args = Args::parse();
    let json = serde_json::to_vec(&MESSAGE).expect("serialize");
    let routes = args.github_routes();
    let make_answers = || Answers {
        plaintext: Canned::new("text/plain", PLAINTEXT.as_bytes()),
        json: Canned::new("application/json; charset=utf-8", &json),
        github: routes
            .iter()
            .map(|(pattern, path)| {
                (
                    path.clone().into_bytes(),
                    Canned::new("text/plain", pattern.as_bytes()),
                )
            })
            .collect(),
        not_found: Canned::new("text/plain", b""),
        head: Vec::new(),
        head_404: Vec::new(),
        date_secs: u64::MAX,
    };
    let mut threads = Vec::new();
    for _ in 0..args.workers {
        let listener = listen(&args).unwrap_or_else(|err| {
            eprintln!("peer-epoll: cannot listen on {}: {err}", args.addr);
            std::process::exit(1)
        });
        let answers = make_answers();
        threads.push(std::thread::spawn(move || serve(listener, answers)));
    }
    for thread in threads {
        if let Ok(Err(err)) = thread.join() {
            eprintln!("peer-epoll: {err}");
            std::process::exit(1);
        }
    }
}
