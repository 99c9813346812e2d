//! The scaffold `hz new` writes once and then leaves to the user: `Cargo.toml`, `main.rs`,
//! `router.rs` (custom routes), the `ping` handler, `.gitignore`.

use crate::gen::{Content, Output};
use crate::layout::{crate_path, module_file, HertzDep, Layout};

/// The `hertz-core` dependency line.
pub(crate) fn hertz_dep(dep: &HertzDep) -> String {
    crate_dep("hertz-core", dep)
}

/// The dependency line of the hertz-rs crate `name` (`hertz-core`, `hertz-client`): the
/// workspace member under `--hertz-path`, else the `--hertz-version` release.
pub(crate) fn crate_dep(name: &str, dep: &HertzDep) -> String {
    match dep {
        HertzDep::Path(p) => format!(
            "{name} = {{ path = {:?} }}",
            p.join(name).display().to_string()
        ),
        HertzDep::Version(v) => format!("{name} = {v:?}"),
    }
}

/// `Cargo.toml`.
pub(crate) fn cargo_toml(module: &str, dep: &HertzDep) -> Output {
    let text = format!(
        "[package]\n\
         name = {module:?}\n\
         version = \"0.1.0\"\n\
         edition = \"2021\"\n\
         publish = false\n\n\
         [dependencies]\n\
         {}\n\
         serde = {{ version = \"1\", features = [\"derive\"] }}\n\n\
         # A workspace of its own, so it builds wherever it was generated; delete this table to\n\
         # make the project a member of an enclosing workspace.\n\
         [workspace]\n",
        hertz_dep(dep)
    );
    Output {
        path: "Cargo.toml".into(),
        content: Content::Scaffold(text),
    }
}

/// `src/main.rs`.
pub(crate) fn main_rs(module: &str, layout: &Layout) -> Output {
    let mods: String = layout
        .roots()
        .iter()
        .chain(["router".to_owned(), "router_gen".to_owned()].iter())
        .map(|m| format!("mod {m};\n"))
        .collect();
    let text = format!(
        "//! {module}: a hertz-rs server scaffolded by hz.\n\
         //!\n\
         //! ```text\n\
         //! main.rs ─▶ router_gen.rs ─▶ {router}/… (routes from the IDL; generated)\n\
         //!        │                      └─▶ {handler}/… (your handlers) ─▶ {model}/… (types)\n\
         //!        └─▶ router.rs (your own routes)\n\
         //! ```\n\
         //!\n\
         //! `cargo run -- --addr 127.0.0.1:8080` (default `0.0.0.0:8888`). hz never changes this file.\n\n\
         {mods}\n\
         use hertz_core::{{Config, Engine}};\n\n\
         fn main() {{\n\
         \x20   let mut h = Engine::with_defaults(Config::default().host_ports(addr()));\n\
         \x20   h.on_run(|addr| println!(\"listening on http://{{addr}}\"));\n\
         \x20   router_gen::generated_register(&mut h);\n\
         \x20   router::customized_register(&mut h);\n\
         \x20   h.spin();\n\
         }}\n\n\
         /// The listen address: `--addr HOST:PORT` or `--addr=HOST:PORT`, else `0.0.0.0:8888`.\n\
         fn addr() -> String {{\n\
         \x20   let args: Vec<String> = std::env::args().collect();\n\
         \x20   args.windows(2)\n\
         \x20       .find(|w| w[0] == \"--addr\")\n\
         \x20       .map(|w| w[1].clone())\n\
         \x20       .or_else(|| {{\n\
         \x20           args.iter()\n\
         \x20               .find_map(|a| a.strip_prefix(\"--addr=\").map(str::to_owned))\n\
         \x20       }})\n\
         \x20       .unwrap_or_else(|| \"0.0.0.0:8888\".to_owned())\n\
         }}\n",
        router = layout.router.join("/"),
        handler = layout.handler.join("/"),
        model = layout.model.join("/"),
    );
    Output {
        path: "src/main.rs".into(),
        content: Content::Scaffold(text),
    }
}

/// `src/router.rs`: routes that are not in the IDL; starts with `GET /ping`.
pub(crate) fn router_rs(layout: &Layout) -> Output {
    let mut ping = layout.handler.clone();
    ping.push("ping".to_owned());
    let text = format!(
        "//! Your own routes, beside the IDL's: hz creates this file once and never changes it.\n\n\
         use hertz_core::{{Engine, Routes}};\n\n\
         /// Registers the routes that are not in the IDL.\n\
         pub fn customized_register(r: &mut Engine) {{\n\
         \x20   r.get(\"/ping\", {}::ping);\n\
         }}\n",
        crate_path(&ping)
    );
    Output {
        path: "src/router.rs".into(),
        content: Content::Scaffold(text),
    }
}

/// The `ping` handler module path and file.
pub(crate) fn ping(layout: &Layout) -> (Vec<String>, Output) {
    let mut m = layout.handler.clone();
    m.push("ping".to_owned());
    let text = "//! `GET /ping`, registered in `router.rs`.\n\n\
                use hertz_core::{Context, RequestContext};\n\
                use serde::Serialize;\n\n\
                #[derive(Serialize)]\n\
                struct Pong {\n    message: &'static str,\n}\n\n\
                /// Answers `{\"message\":\"pong\"}`.\n\
                pub async fn ping(_ctx: Context, c: &mut RequestContext) {\n    c.json(200, &Pong { message: \"pong\" });\n}\n";
    let out = Output {
        path: module_file(&m),
        content: Content::Scaffold(text.to_owned()),
    };
    (m, out)
}

/// `.gitignore`.
pub(crate) fn gitignore() -> Output {
    Output {
        path: ".gitignore".into(),
        content: Content::Scaffold("/target\n".to_owned()),
    }
}

/// A `Cargo.lock` copied from the hertz-rs workspace, so a `--hertz-path` project builds
/// with the dependency versions hertz was tested with (and shares their build cache).
pub(crate) fn cargo_lock(dep: &HertzDep) -> Option<Output> {
    let HertzDep::Path(p) = dep else { return None };
    let text = std::fs::read_to_string(p.join("Cargo.lock")).ok()?;
    Some(Output {
        path: "Cargo.lock".into(),
        content: Content::Scaffold(text),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hertz_crates_follow_path_or_version() {
        let path = HertzDep::Path("/src/hertz-rs".into());
        assert_eq!(
            crate_dep("hertz-client", &path),
            r#"hertz-client = { path = "/src/hertz-rs/hertz-client" }"#
        );
        assert_eq!(
            hertz_dep(&path),
            r#"hertz-core = { path = "/src/hertz-rs/hertz-core" }"#
        );
        let version = HertzDep::Version("0.2.0".into());
        assert_eq!(
            crate_dep("hertz-client", &version),
            r#"hertz-client = "0.2.0""#
        );
    }
}
