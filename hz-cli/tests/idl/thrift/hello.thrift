// The Thrift IDL of the end-to-end test: every Hertz annotation hz reads.
namespace go hello.example

include "base.thrift"

// User status.
enum Status {
    ACTIVE = 1
    BLOCKED = 2
}

struct HelloReq {
    1: required string name (api.query = "name", api.vd = "len($) > 0 && len($) <= 16; msg:'name must be 1 to 16 bytes'")
    2: optional i32 age (api.query = "age", api.vd = "$ > 0 && $ < 150")
    3: string lang = "en" (api.query = "lang", api.vd = "in($, 'en', 'zh')")
}

struct HelloResp {
    1: string message
    2: base.Meta meta
}

struct UserReq {
    1: i64 id (api.path = "id", api.vd = "$ > 0")
    2: string token (api.header = "X-Token", api.vd = "regexp('^[a-z0-9]+$')")
    3: string session (api.cookie = "session")
    4: string nick (api.form = "nick")
    5: string email (api.body = "email", api.vd = "len($) == 0 || email($)")
    6: list<string> tags (api.query = "tag")
    7: string plain
    8: string secret (api.none = "true")
    9: Status status (api.query = "status")
    10: string code (api.query = "code", api.vd = "!($ == 'x') && ($ != 'y' || len($) > 5)")
    11: i32 score = 7 (api.query = "score", api.vd = "mod($, 7) == 0")
}

struct RawReq {
    1: binary body (api.raw_body = "")
}

struct RawResp {
    1: i64 size
}

service HelloService {
    // Says hello.
    HelloResp Hello(1: HelloReq req) (api.get = "/hello", api.post = "/hello")
    UserReq User(1: UserReq req) (api.put = "/v1/user/:id", api.serializer = "form")
    RawResp Raw(1: RawReq req) (api.post = "/v1/raw", api.handler_path = "raw")
    RawResp Anything(1: RawReq req) (api.any = "/any")
    RawResp Gone(1: RawReq req) (api.delete = "/v1/gone/:id", api.patch = "/v1/gone/:id", api.head = "/v1/gone/:id", api.options = "/v1/gone/:id", api.unknownthing = "x")
} (api.base_domain = "http://127.0.0.1:8888")
