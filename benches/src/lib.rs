//! Shared helpers for the criterion benchmarks and the instruction counts.

/// `(name, head)`: wrk's request, TechEmpower's plaintext request, and a browser's.
pub const REQUEST_HEADS: [(&str, &str); 3] = [
    (
        "wrk",
        "GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n",
    ),
    (
        "techempower",
        "GET /plaintext HTTP/1.1\r\nHost: server\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) \
         Gecko/20130501 Firefox/30.0 AppleWebKit/600.00 Chrome/30.0.0000.0 Trident/10.0 \
         Safari/600.00\r\nCookie: uid=12345678901234567890; __utma=1.1234567890.1234567890.\
         1234567890.1234567890.12; wd=2560x1600\r\nAccept: text/html,application/xhtml+xml,\
         application/xml;q=0.9,*/*;q=0.8\r\nAccept-Language: en-US,en;q=0.5\r\n\
         Connection: keep-alive\r\n\r\n",
    ),
    (
        "post-json",
        "POST /v1/teams/hertz/users?age=30&lang=en HTTP/1.1\r\nHost: api.example.com\r\n\
         User-Agent: curl/8.5.0\r\nAccept: application/json\r\nContent-Type: application/json\r\n\
         Content-Length: 27\r\nX-Request-Id: 4b1c2e9f-6f0a-4d3e-9b7a-2f1d3c4b5a69\r\n\
         Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.abc\r\n\
         Accept-Encoding: gzip, deflate, br\r\n\r\n",
    ),
];
