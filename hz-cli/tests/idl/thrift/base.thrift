namespace go base

struct Meta {
    1: string trace_id
    2: i64 at
}
