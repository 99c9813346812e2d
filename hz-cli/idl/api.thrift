// Hertz's HTTP annotations for Thrift IDLs, as hz reads them. Thrift needs no declaration
// file: annotations are written in parentheses after what they annotate. This file is the
// reference, and itself a valid IDL that `hz new --idl idl/api.thrift` accepts.

namespace go api

struct Request {
    // Route parameter `:id` of the path.
    1: required i64 id (api.path = "id", api.vd = "$ > 0")
    // Query string; `optional` → Option<T>; with a value → default.
    2: optional i32 page = 1 (api.query = "page", api.vd = "$ >= 1 && $ <= 100; msg:'page out of range'")
    3: string token (api.header = "X-Token")
    4: string session (api.cookie = "session")
    5: string note (api.form = "note")
    6: string name (api.body = "name", api.vd = "len($) > 0 && regexp('^[a-z]+$')")
    7: binary raw (api.raw_body = "")
    8: string internal (api.none = "true")
    // No annotation: query, then form, then JSON, by the field's name.
    9: string plain
}

struct Response {
    1: string message
}

service ApiService {
    // Several routes, one handler; api.handler_path puts the handler in another module.
    Response Handle(1: Request req) (
        api.get = "/things/:id",
        api.post = "/things/:id",
        api.handler_path = "things",
        api.serializer = "json",
    )
} (api.base_domain = "http://127.0.0.1:8888")
