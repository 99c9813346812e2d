//! What hz says about bad input, and that it then writes nothing: syntax errors located
//! to file:line:column with the offending token, unsupported constructs naming the method
//! or field, existing projects, unknown annotations.

mod support;

use std::path::Path;

use support::{run_hz, text};

/// Writes `files` into a fresh temp dir.
fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
    }
    dir
}

/// Runs `hz new` for `idl` expecting failure; returns stderr after checking that nothing
/// was written (the directory holds only the IDL files it started with).
fn new_fails(dir: &Path, idl: &str) -> String {
    let before = entries(dir);
    let out = run_hz(dir, &["new", "--idl", idl, "--module", "demo"]);
    assert!(
        !out.status.success(),
        "hz new succeeded: {}",
        text(&out.stdout)
    );
    assert_eq!(entries(dir), before, "hz wrote files although it failed");
    assert!(text(&out.stdout).is_empty(), "{}", text(&out.stdout));
    text(&out.stderr)
}

fn entries(dir: &Path) -> Vec<String> {
    let mut all = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            all.push(p.strip_prefix(dir).unwrap().display().to_string());
            if p.is_dir() {
                stack.push(p);
            }
        }
    }
    all.sort();
    all
}

#[test]
fn thrift_syntax_error_names_file_line_column_and_token() {
    let dir = dir_with(&[(
        "idl/bad.thrift",
        "namespace go bad\n\nstruct R {\n  1: string n\n  2 string m\n}\n",
    )]);
    let err = new_fails(dir.path(), "idl/bad.thrift");
    let code = run_hz(
        dir.path(),
        &["new", "--idl", "idl/bad.thrift", "--module", "d"],
    )
    .status
    .code();
    assert_eq!(code, Some(1), "an IDL error exits 1");
    assert!(
        err.starts_with("error: idl/bad.thrift:5:5: syntax error: unexpected `string`"),
        "{err}"
    );
}

#[test]
fn thrift_error_in_an_included_file_names_that_file() {
    let dir = dir_with(&[
        (
            "idl/main.thrift",
            "include \"inc/base.thrift\"\nstruct A { 1: base.B b }\n",
        ),
        (
            "idl/inc/base.thrift",
            "struct B {\n  1: string x,\n  2: i32 = \n}\n",
        ),
    ]);
    let err = new_fails(dir.path(), "idl/main.thrift");
    assert!(err.contains("idl/inc/base.thrift:3:"), "{err}");
}

#[test]
fn thrift_unexpected_end_of_file() {
    let dir = dir_with(&[("idl/eof.thrift", "struct A { 1: string a\n")]);
    let err = new_fails(dir.path(), "idl/eof.thrift");
    assert!(
        err.contains("idl/eof.thrift:2:1: syntax error: unexpected `end of file`"),
        "{err}"
    );
}

#[test]
fn proto_syntax_error_names_file_line_column_and_token() {
    let dir = dir_with(&[(
        "idl/bad.proto",
        "syntax = \"proto3\";\npackage p;\nmessage A {\n  string a = 1\n  int32 b = 2;\n}\n",
    )]);
    let err = new_fails(dir.path(), "idl/bad.proto");
    assert!(err.starts_with("error: idl/bad.proto:5:3: "), "{err}");
    assert!(err.contains("at `int32`"), "{err}");
}

#[test]
fn proto_misspelled_annotation_is_located() {
    let dir = dir_with(&[(
        "idl/a.proto",
        "syntax = \"proto3\";\npackage p;\nimport \"api.proto\";\nmessage A {\n  string a = 1 [(api.qurey) = \"a\"];\n}\n",
    )]);
    let err = new_fails(dir.path(), "idl/a.proto");
    assert!(err.starts_with("error: idl/a.proto:5:17: "), "{err}");
    assert!(err.contains("api.qurey"), "{err}");
}

#[test]
fn method_with_two_arguments_is_named() {
    let dir = dir_with(&[(
        "idl/two.thrift",
        "struct A { 1: string a }\nservice S {\n  A Both(1: A a, 2: A b) (api.get = \"/x\")\n}\n",
    )]);
    let err = new_fails(dir.path(), "idl/two.thrift");
    assert!(
        err.contains("idl/two.thrift:3:5: method `S.Both` takes 2 arguments"),
        "{err}"
    );
    assert!(err.contains("one request struct"), "{err}");
}

#[test]
fn unsupported_bindings_and_routes_are_explained() {
    let dir = dir_with(&[
        (
            // `a` occurs in `namespace` first: the location must be the field's.
            "idl/late.thrift",
            "namespace go late\nstruct Other { 1: string a }\nstruct A {\n  1: map<string, i32> a (api.header = \"a\")\n}\n",
        ),
        (
            "idl/map.thrift",
            "struct A { 1: map<string, i32> m (api.query = \"m\") }\nservice S { A X(1: A a) (api.get = \"/x\") }\n",
        ),
        (
            "idl/dup.thrift",
            "struct A { 1: string a }\nservice S {\n  A X(1: A a) (api.get = \"/x\")\n  A Y(1: A a) (api.get = \"/x\")\n}\n",
        ),
        (
            "idl/path.thrift",
            "struct A { 1: string a }\nservice S { A X(1: A a) (api.get = \"x\") }\n",
        ),
        ("idl/type.thrift", "struct A { 1: Missing m }\n"),
    ]);
    let err = new_fails(dir.path(), "idl/late.thrift");
    assert!(
        err.contains("error: idl/late.thrift:4:23: field `A.a`: api.header cannot bind a map"),
        "{err}"
    );
    let err = new_fails(dir.path(), "idl/map.thrift");
    assert!(
        err.contains("field `A.m`: api.query cannot bind a map"),
        "{err}"
    );
    let err = new_fails(dir.path(), "idl/dup.thrift");
    assert!(
        err.contains("`GET /x` is the route of both `S.X` and `S.Y`"),
        "{err}"
    );
    let err = new_fails(dir.path(), "idl/path.thrift");
    assert!(
        err.contains("method `S.X`: route path `x` must start with `/`"),
        "{err}"
    );
    let err = new_fails(dir.path(), "idl/type.thrift");
    assert!(
        err.contains("idl/type.thrift:1:23: field `A.m`: unknown type `Missing`"),
        "{err}"
    );
}

#[test]
fn missing_idl_and_wrong_extension_fail_cleanly() {
    let dir = dir_with(&[("idl/a.txt", "")]);
    let err = new_fails(dir.path(), "idl/nope.thrift");
    assert!(err.contains("idl/nope.thrift"), "{err}");
    let err = new_fails(dir.path(), "idl/a.txt");
    assert!(err.contains("not a .thrift or .proto file"), "{err}");
}

#[test]
fn new_refuses_an_existing_project_without_force() {
    let dir = dir_with(&[(
        "idl/a.thrift",
        "struct A { 1: string a }\nservice S { A X(1: A a) (api.get = \"/x\") }\n",
    )]);
    let d = dir.path();
    let first = run_hz(d, &["new", "--idl", "idl/a.thrift", "--module", "demo"]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let handler = d.join("demo/src/biz/handler/s.rs");
    std::fs::write(&handler, "// mine\n").unwrap();
    let before = entries(d);
    let again = run_hz(d, &["new", "--idl", "idl/a.thrift", "--module", "demo"]);
    assert_eq!(again.status.code(), Some(3), "a project problem exits 3");
    let err = text(&again.stderr);
    assert!(
        err.contains("demo already holds a project") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(entries(d), before);
    // --force rewrites the scaffold but only appends to the user's handler file.
    let forced = run_hz(
        d,
        &[
            "new",
            "--idl",
            "idl/a.thrift",
            "--module",
            "demo",
            "--force",
        ],
    );
    assert!(forced.status.success(), "{}", text(&forced.stderr));
    let text = std::fs::read_to_string(&handler).unwrap();
    assert!(
        text.starts_with("// mine\n") && text.contains("pub async fn x("),
        "{text}"
    );
}

#[test]
fn update_outside_a_project_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_hz(dir.path(), &["update"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains("no .hz here"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn model_writes_only_models() {
    let dir = dir_with(&[(
        "idl/a.thrift",
        "namespace rs app.types\nstruct A { 1: string a }\nservice S { A X(1: A a) (api.get = \"/x\") }\n",
    )]);
    let out = run_hz(dir.path(), &["model", "--idl", "idl/a.thrift"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let model = std::fs::read_to_string(dir.path().join("src/biz/model/app/types/a.rs")).unwrap();
    assert!(model.contains("pub struct A {"), "{model}");
    assert!(!dir.path().join("src/biz/handler").exists());
    assert!(!dir.path().join("src/main.rs").exists());
}

#[test]
fn every_prefix_of_an_idl_is_an_answer_not_a_crash() {
    // The whole pipeline (parse, lower, generate) on truncated input: exit 0 or 1, and
    // never a panic (101). Every 23rd prefix keeps the run short.
    let text = include_str!("idl/thrift/hello.thrift");
    let dir = dir_with(&[("idl/base.thrift", include_str!("idl/thrift/base.thrift"))]);
    for cut in (0..text.len())
        .step_by(23)
        .filter(|&i| text.is_char_boundary(i))
    {
        std::fs::write(dir.path().join("idl/cut.thrift"), &text[..cut]).unwrap();
        let out = support::hz()
            .args(["model", "--idl", "idl/cut.thrift", "--out-dir", "out"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        let code = out.status.code();
        assert!(
            code == Some(0) || code == Some(1),
            "prefix {cut}: {code:?} {}",
            text_of(&out.stderr)
        );
    }
}

fn text_of(b: &[u8]) -> String {
    support::text(b)
}
