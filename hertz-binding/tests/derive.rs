//! `#[derive(Bind)]` end to end over a fake request: every source, presence
//! rules, multi-values, JSON, raw bodies, files, and the errors.

mod support;

use bytes::Bytes;
use hertz_binding::{bind_and_validate, Bind, BindErrorKind, FilePart, Source, Validate};
use hertz_macros::Bind;
use support::FakeRequest;

fn bind<T: Bind>(req: &FakeRequest) -> Result<T, String> {
    T::bind(req).map_err(|e| e.to_string())
}

#[derive(Bind, Debug, PartialEq, Default)]
#[hertz(crate = "hertz_binding")]
struct Sources {
    #[hertz(path = "id")]
    id: u64,
    #[hertz(query)]
    age: u32,
    #[hertz(header = "X-Token")]
    token: String,
    #[hertz(cookie = "sid")]
    sid: String,
    #[hertz(form = "nick")]
    nick: String,
    #[hertz(header = "X-Flag")]
    flag: bool,
}

#[test]
fn each_source_good_and_bad() {
    let good = FakeRequest::new()
        .param("id", "42")
        .query("age=30")
        .header("x-token", "t0k")
        .header("Cookie", "a=1; sid=s3ss")
        .header("X-Flag", "1")
        .form("nick=al+ice");
    assert_eq!(
        bind::<Sources>(&good),
        Ok(Sources {
            id: 42,
            age: 30,
            token: "t0k".into(),
            sid: "s3ss".into(),
            nick: "al ice".into(),
            flag: true,
        })
    );

    let rows: &[(FakeRequest, &str)] = &[
        (
            FakeRequest::new().param("id", "x"),
            "path parameter `id`: invalid digit found in string",
        ),
        (
            FakeRequest::new().query("age=-1"),
            "query parameter `age`: invalid digit found in string",
        ),
        (
            FakeRequest::new().query("age="),
            "query parameter `age`: cannot parse integer from empty string",
        ),
        (
            FakeRequest::new().header("X-Token", b"\xff"),
            "header `X-Token`: header value is not valid UTF-8",
        ),
        (
            FakeRequest::new().header("X-Flag", "yes"),
            "header `X-Flag`: invalid boolean (expected true/false/1/0)",
        ),
        (
            FakeRequest::new()
                .header("Content-Type", "multipart/form-data; boundary=zz")
                .body("--zz\r\nbroken\r\n\r\n"),
            "form field: multipart part 0: part header line has no ':'",
        ),
    ];
    for (req, want) in rows {
        assert_eq!(bind::<Sources>(req).unwrap_err(), *want);
    }

    // Everything absent: defaults.
    assert_eq!(bind::<Sources>(&FakeRequest::new()), Ok(Sources::default()));
}

#[derive(Bind, Debug, PartialEq)]
#[hertz(crate = "hertz_binding")]
struct Presence {
    #[hertz(query)]
    opt: Option<u32>,
    #[hertz(query, default = "18")]
    dflt: u32,
    #[hertz(query, default = "7")]
    opt_dflt: Option<u32>,
    #[hertz(query, required)]
    req: String,
    #[hertz(query)]
    plain: i32,
    #[hertz(none)]
    skipped: Vec<u8>,
    #[hertz(header = "X-Req", required)]
    opt_req: Option<String>,
}

#[derive(Bind, Debug)]
#[hertz(crate = "hertz_binding")]
struct RequiredUntagged {
    #[hertz(required)]
    _name: String,
}

#[test]
fn option_default_required() {
    let p = bind::<Presence>(
        &FakeRequest::new()
            .query("req=r&none=1")
            .header("X-Req", "h"),
    )
    .unwrap();
    assert_eq!(
        p,
        Presence {
            opt: None,
            dflt: 18,
            opt_dflt: Some(7),
            req: "r".into(),
            plain: 0,
            skipped: vec![],
            opt_req: Some("h".into()),
        }
    );
    // Present values win; an empty value takes the default (as Hertz does).
    let p = bind::<Presence>(
        &FakeRequest::new()
            .query("opt=1&dflt=&opt_dflt=9&req=&plain=-3&skipped=1")
            .header("X-Req", ""),
    )
    .unwrap();
    assert_eq!(
        (
            p.opt,
            p.dflt,
            p.opt_dflt,
            p.req.as_str(),
            p.plain,
            p.opt_req.as_deref()
        ),
        (Some(1), 18, Some(9), "", -3, Some(""))
    );

    let err = Presence::bind(&FakeRequest::new().header("X-Req", "h")).unwrap_err();
    assert_eq!(err.kind(), &BindErrorKind::Missing);
    assert_eq!(err.to_string(), "query parameter `req`: missing");
    assert_eq!(
        bind::<Presence>(&FakeRequest::new().query("req=1")).unwrap_err(),
        "header `X-Req`: missing"
    );
    let err = RequiredUntagged::bind(&FakeRequest::new()).unwrap_err();
    assert!(err.is_missing());
    assert_eq!(
        err.to_string(),
        "query parameter `_name`: missing (also looked in form, json)"
    );
}

#[derive(Debug, PartialEq)]
struct Color(u8);

impl hertz_binding::FromValue for Color {
    fn from_value(s: &str) -> Result<Self, String> {
        match s {
            "red" => Ok(Color(1)),
            "blue" => Ok(Color(2)),
            _ => Err("unknown color".into()),
        }
    }
}

#[derive(Bind, Debug, PartialEq)]
#[hertz(crate = "hertz_binding")]
struct Custom {
    #[hertz(query, default = "blue")]
    color: Color,
    #[hertz(query, default = "purple")]
    broken: Option<Color>,
}

#[test]
fn custom_from_value_and_runtime_default_error() {
    let err = Custom::bind(&FakeRequest::new().query("color=red")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "field `broken`: invalid default value: unknown color"
    );
    let c = bind::<Custom>(&FakeRequest::new().query("broken=red")).unwrap();
    assert_eq!(
        c,
        Custom {
            color: Color(2),
            broken: Some(Color(1))
        }
    );
    assert_eq!(
        bind::<Custom>(&FakeRequest::new().query("color=pink&broken=red")).unwrap_err(),
        "query parameter `color`: unknown color"
    );
}

#[derive(Bind, Debug, PartialEq)]
#[hertz(crate = "hertz_binding")]
struct Multi {
    #[hertz(query = "tag")]
    tags: Vec<String>,
    #[hertz(header = "X-Id")]
    ids: Vec<u32>,
    #[hertz(form = "f")]
    fs: Option<Vec<String>>,
    #[hertz(cookie = "c")]
    cs: Vec<String>,
    #[hertz(path)]
    p: Vec<u8>,
}

#[test]
fn vec_collects_every_value() {
    let req = FakeRequest::new()
        .query("tag=a&x=0&tag=b&tag=")
        .header("X-Id", "1")
        .header("x-id", "2")
        .header("Cookie", "c=1; x=0")
        .header("Cookie", "c=2")
        .param("p", "9")
        .form("f=x&f=y");
    assert_eq!(
        bind::<Multi>(&req),
        Ok(Multi {
            tags: vec!["a".into(), "b".into(), "".into()],
            ids: vec![1, 2],
            fs: Some(vec!["x".into(), "y".into()]),
            cs: vec!["1".into(), "2".into()],
            p: vec![9],
        })
    );
    let empty = bind::<Multi>(&FakeRequest::new()).unwrap();
    assert!(empty.tags.is_empty() && empty.fs.is_none());
    assert_eq!(
        bind::<Multi>(&FakeRequest::new().header("X-Id", "1").header("X-Id", "z")).unwrap_err(),
        "header `X-Id`: invalid digit found in string"
    );
}

#[derive(serde::Deserialize, Debug, PartialEq, Default)]
struct Address {
    city: String,
}

#[derive(Bind, Debug, PartialEq)]
#[hertz(crate = "hertz_binding")]
struct Mixed {
    #[hertz(path)]
    id: u64,
    #[hertz(query)]
    page: u32,
    #[hertz(json)]
    name: String,
    #[hertz(json = "userAge")]
    age: Option<u8>,
    #[hertz(json)]
    tags: Vec<String>,
    #[hertz(json)]
    address: Option<Address>,
    #[hertz(query = "size", json = "size")]
    size: u32,
    #[hertz(json = "name")]
    name_again: String,
    untagged: String,
}

#[test]
fn json_mixed_with_query_and_path() {
    let req = FakeRequest::new()
        .param("id", "5")
        .query("page=2&untagged=from-query")
        .json(r#"{"name":"a\"b","userAge":30,"tags":["x","y"],"address":{"city":"Paris"},"size":3,"untagged":"from-json","extra":[1,{"deep":null}]}"#);
    let m = bind::<Mixed>(&req).unwrap();
    assert_eq!(
        m,
        Mixed {
            id: 5,
            page: 2,
            name: "a\"b".into(),
            age: Some(30),
            tags: vec!["x".into(), "y".into()],
            address: Some(Address {
                city: "Paris".into()
            }),
            size: 3,
            name_again: "a\"b".into(),
            untagged: "from-query".into(),
        }
    );
    // Query wins over JSON when both have the key; untagged falls back to JSON.
    let m = bind::<Mixed>(
        &FakeRequest::new()
            .query("size=9")
            .json(r#"{"size":3,"untagged":"j","userAge":null}"#),
    )
    .unwrap();
    assert_eq!((m.size, m.untagged.as_str(), m.age), (9, "j", None));

    // +json media types count; other content types do not read the body.
    let m = bind::<Mixed>(
        &FakeRequest::new()
            .header("content-type", "application/vnd.api+json; charset=utf-8")
            .body(r#"{"name":"n"}"#),
    )
    .unwrap();
    assert_eq!(m.name, "n");
    let m = bind::<Mixed>(
        &FakeRequest::new()
            .header("content-type", "text/plain")
            .body("{bad"),
    )
    .unwrap();
    assert_eq!(m.name, "");
}

#[test]
fn json_errors() {
    let rows: &[(&str, &str)] = &[
        (
            r#"{"name": 5}"#,
            "json field `name`: invalid type: integer `5`, expected a string",
        ),
        (
            r#"{"userAge": 300}"#,
            "json field `userAge`: invalid value: integer `300`, expected u8",
        ),
        (
            r#"{"name": "x", "#,
            "request body: not valid JSON: EOF while parsing at line 1 column 14",
        ),
        (r#"["name"]"#, "request body: JSON body is not an object"),
        ("   ", "request body: JSON body is empty"),
    ];
    for (body, want) in rows {
        let err = Mixed::bind(&FakeRequest::new().json(body)).unwrap_err();
        assert_eq!(err.to_string(), *want, "body {body}");
    }
    let err = Mixed::bind(&FakeRequest::new().json("{\"secret-body-text\" 1}")).unwrap_err();
    assert!(err.is_body());
    assert_eq!(err.source(), Source::Body);
    assert!(!err.to_string().contains("secret"), "{err}");
}

#[derive(Bind, Debug, PartialEq)]
#[hertz(crate = "hertz_binding")]
struct Raw {
    #[hertz(raw_body)]
    bytes: Bytes,
    #[hertz(raw_body)]
    vec: Vec<u8>,
    #[hertz(raw_body)]
    text: Option<String>,
}

#[derive(Bind, Debug)]
#[hertz(crate = "hertz_binding")]
struct RawRequired {
    #[hertz(raw_body, required)]
    _body: String,
}

#[test]
fn raw_body() {
    let r = bind::<Raw>(&FakeRequest::new().body("héllo")).unwrap();
    assert_eq!(&r.bytes[..], "héllo".as_bytes());
    assert_eq!(r.vec, "héllo".as_bytes());
    assert_eq!(r.text.as_deref(), Some("héllo"));
    assert_eq!(bind::<Raw>(&FakeRequest::new()).unwrap().text, None);
    assert_eq!(
        bind::<Raw>(&FakeRequest::new().body(b"\xff".to_vec())).unwrap_err(),
        "request body `text`: body is not valid UTF-8"
    );
    assert_eq!(
        bind::<RawRequired>(&FakeRequest::new()).unwrap_err(),
        "request body `_body`: missing"
    );
}

#[derive(Bind, Debug)]
#[hertz(crate = "hertz_binding")]
struct Upload {
    #[hertz(form)]
    title: String,
    #[hertz(form = "doc")]
    doc: FilePart,
    docs: Vec<FilePart>,
    maybe: Option<FilePart>,
}

#[test]
fn multipart_fields_and_files() {
    let body = "--B\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nHi\r\n\
                --B\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"a.txt\"\r\n\
                Content-Type: text/plain\r\n\r\nAAA\r\n\
                --B\r\nContent-Disposition: form-data; name=\"docs\"; filename=\"1\"\r\n\r\n1\r\n\
                --B\r\nContent-Disposition: form-data; name=\"docs\"; filename=\"2\"\r\n\r\n2\r\n--B--\r\n";
    let req = FakeRequest::new()
        .header("Content-Type", "multipart/form-data; boundary=B")
        .body(body);
    let u = bind::<Upload>(&req).unwrap();
    assert_eq!(u.title, "Hi");
    assert_eq!(
        (u.doc.filename.as_str(), &u.doc.data[..]),
        ("a.txt", &b"AAA"[..])
    );
    assert_eq!(u.doc.content_type.as_deref(), Some("text/plain"));
    assert_eq!(
        u.docs.iter().map(|f| &f.data[..]).collect::<Vec<_>>(),
        [b"1", b"2"]
    );
    assert!(u.maybe.is_none());
}

#[derive(Bind, Debug, Clone)]
#[hertz(crate = "hertz_binding")]
struct Rules {
    #[hertz(query, vd = "$>0 && $<150")]
    age: i32,
    #[hertz(query, vd = "len($) >= 2 && len($) <= 5")]
    name: String,
    #[hertz(query, vd = "mblen($) <= 2")]
    cn: String,
    #[hertz(query, vd = "regexp('^[a-z]+$')")]
    slug: String,
    #[hertz(query, vd = r#"regexp("\d", (name)$)"#)]
    name_has_digit: String,
    #[hertz(query, vd = "in($, 'a', 'b')")]
    kind: String,
    #[hertz(query, vd = "in($, 1, 2, 3)")]
    level: u8,
    #[hertz(query, vd = "mod($, 2) == 0")]
    even: u32,
    #[hertz(query, vd = "$ % 3 == 0")]
    three: u32,
    #[hertz(query, vd = "email($)")]
    mail: String,
    #[hertz(query, vd = "!($ == 'bad')")]
    not_bad: String,
    #[hertz(query, vd = "$ == true || (age)$ > 100")]
    flag: bool,
    #[hertz(query, vd = "$ >= (age)$")]
    max_age: i32,
    #[hertz(query, vd = "$ != \"x\"", msg = "x is reserved")]
    custom: String,
    #[hertz(query, vd = "$ > 0.5; msg:'ratio too small'")]
    ratio: f64,
    #[hertz(query, vd = "len($) < 3")]
    list: Vec<u8>,
    #[hertz(query, vd = "$ > 10")]
    opt: Option<u32>,
    #[hertz(query, vd = "-$ < -1 && $ * 2 - 1 >= 3 && $ / 2 > 0.9")]
    arith: i64,
    #[hertz(query, vd = "$ < 'm' && $ != (kind)$")]
    word: String,
    #[hertz(query, vd = "len('abc') == 3 && mblen('é') == 1 && 7 / 2 == 3.5 && $")]
    yes: bool,
}

fn valid_rules() -> Rules {
    Rules {
        age: 30,
        name: "ab1".into(),
        cn: "你好".into(),
        slug: "abc".into(),
        name_has_digit: String::new(),
        kind: "a".into(),
        level: 2,
        even: 4,
        three: 9,
        mail: "x.y@example.com".into(),
        not_bad: "good".into(),
        flag: true,
        max_age: 30,
        custom: "y".into(),
        ratio: 0.75,
        list: vec![1, 2],
        opt: None,
        arith: 2,
        word: "b".into(),
        yes: true,
    }
}

#[test]
fn every_vd_construct_passes_and_fails() {
    assert_eq!(valid_rules().validate(), Ok(()));
    type Edit = fn(&mut Rules);
    let rows: &[(Edit, &str)] = &[
        (|r| r.age = 0, "field `age`: validation failed: $>0 && $<150"),
        (|r| r.age = 150, "field `age`: validation failed: $>0 && $<150"),
        (|r| r.name = "a".into(), "field `name`: validation failed: len($) >= 2 && len($) <= 5"),
        // len counts bytes: 4 chars, 6 bytes.
        (|r| r.name = "éé12".into(), "field `name`: validation failed: len($) >= 2 && len($) <= 5"),
        (|r| r.cn = "你好吗".into(), "field `cn`: validation failed: mblen($) <= 2"),
        (|r| r.slug = "Abc".into(), "field `slug`: validation failed: regexp('^[a-z]+$')"),
        (|r| r.name = "abc".into(), "field `name_has_digit`: validation failed: regexp(\"\\d\", (name)$)"),
        (|r| r.kind = "c".into(), "field `kind`: validation failed: in($, 'a', 'b')"),
        (|r| r.level = 4, "field `level`: validation failed: in($, 1, 2, 3)"),
        (|r| r.even = 3, "field `even`: validation failed: mod($, 2) == 0"),
        (|r| r.three = 4, "field `three`: validation failed: $ % 3 == 0"),
        (|r| r.mail = "nope".into(), "field `mail`: validation failed: email($)"),
        (|r| r.not_bad = "bad".into(), "field `not_bad`: validation failed: !($ == 'bad')"),
        (|r| r.flag = false, "field `flag`: validation failed: $ == true || (age)$ > 100"),
        (|r| r.max_age = 29, "field `max_age`: validation failed: $ >= (age)$"),
        (|r| r.custom = "x".into(), "field `custom`: x is reserved"),
        (|r| r.ratio = 0.5, "field `ratio`: ratio too small"),
        (|r| r.list = vec![1, 2, 3], "field `list`: validation failed: len($) < 3"),
        (|r| r.opt = Some(10), "field `opt`: validation failed: $ > 10"),
        (|r| r.arith = 1, "field `arith`: validation failed: -$ < -1 && $ * 2 - 1 >= 3 && $ / 2 > 0.9"),
        (|r| r.word = "z".into(), "field `word`: validation failed: $ < 'm' && $ != (kind)$"),
        (|r| r.word = "a".into(), "field `word`: validation failed: $ < 'm' && $ != (kind)$"),
        (|r| r.yes = false, "field `yes`: validation failed: len('abc') == 3 && mblen('é') == 1 && 7 / 2 == 3.5 && $"),
    ];
    for (edit, want) in rows {
        let mut r = valid_rules();
        edit(&mut r);
        let err = r.validate().expect_err(want);
        assert_eq!(err.to_string(), *want);
        assert!(err.is_validation());
        assert_eq!(err.source(), Source::Field);
    }
    // Passing alternatives.
    let mut r = valid_rules();
    r.opt = Some(11);
    r.age = 120;
    r.max_age = 149;
    assert_eq!(r.validate(), Ok(()));
    r.flag = false; // (age)$ > 100 still holds
    assert_eq!(r.validate(), Ok(()));
}

#[test]
fn bind_and_validate_end_to_end() {
    let q = "age=30&name=ab1&cn=x&slug=abc&kind=b&level=1&even=2&three=3&mail=a@b.cn\
             &not_bad=ok&flag=true&max_age=31&custom=c&ratio=1&list=1&arith=5&word=c&yes=t";
    let r: Rules = bind_and_validate(&FakeRequest::new().query(q)).unwrap();
    assert_eq!((r.age, r.list.as_slice(), r.yes), (30, &[1u8][..], true));

    let err =
        bind_and_validate::<Rules, _>(&FakeRequest::new().query(&q.replace("age=30", "age=200")))
            .unwrap_err();
    assert_eq!(
        err.to_json(),
        r#"{"error":"field `age`: validation failed: $>0 && $<150","field":"age","source":"field","message":"validation failed: $>0 && $<150"}"#
    );
    let err = bind_and_validate::<Rules, _>(&FakeRequest::new().query("age=x")).unwrap_err();
    assert_eq!(
        err.to_json(),
        r#"{"error":"query parameter `age`: invalid digit found in string","field":"age","source":"query","message":"invalid digit found in string"}"#
    );
}

#[derive(Bind, Debug, PartialEq)]
#[hertz(crate = "hertz_binding")]
struct Generic<T, U: Default> {
    #[hertz(query)]
    a: T,
    #[hertz(json)]
    b: Option<U>,
    #[hertz(query)]
    r#type: String,
}

#[test]
fn generic_structs_and_raw_identifiers() {
    let g =
        bind::<Generic<u8, Vec<u32>>>(&FakeRequest::new().query("a=1&type=t").json(r#"{"b":[1]}"#))
            .unwrap();
    assert_eq!(
        g,
        Generic {
            a: 1,
            b: Some(vec![1]),
            r#type: "t".into()
        }
    );
}

/// Random query strings, cookies, content types and bodies through whole
/// derived binders: errors are fine, panics are not.
#[test]
fn random_requests_never_panic() {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    const ALPHABET: &[u8] = b"=&;%+\"\\ \t\r\n-:,{}[]'0123456789abcnametagB\xff";
    let bytes = |n: u64, next: &mut dyn FnMut() -> u64| -> Vec<u8> {
        let len = next() % n;
        (0..len)
            .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
            .collect()
    };
    let content_types = [
        "application/json",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=B",
        "text/plain",
    ];
    for _ in 0..5_000 {
        let ct = content_types[(next() % 4) as usize];
        let req = FakeRequest::new()
            .param("id", &String::from_utf8_lossy(&bytes(6, &mut next)))
            .query(&String::from_utf8_lossy(&bytes(40, &mut next)))
            .header("Cookie", bytes(30, &mut next))
            .header("X-Id", bytes(5, &mut next))
            .header("Content-Type", ct)
            .body(bytes(80, &mut next));
        let _ = Mixed::bind(&req);
        let _ = Multi::bind(&req);
        let _ = Sources::bind(&req);
        let _ = Upload::bind(&req);
        let _ = bind_and_validate::<Rules, _>(&req);
    }
}
