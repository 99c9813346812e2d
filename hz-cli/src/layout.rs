//! Where generated code goes: the handler, model and router directories (Hertz's
//! `--handler_dir`, `--model_dir`, `--router_dir`, relative to `src/`), the module path of
//! every generated file, and the `.hz` manifest that records them for `hz update`.

use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind, Result};
use crate::ir::{IdlFile, Method, Service};
use crate::names;

/// A module path below `crate`, e.g. `["biz", "model", "hello", "hello"]`.
pub(crate) type ModPath = Vec<String>;

/// The three directories, as module paths.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Layout {
    pub(crate) handler: ModPath,
    pub(crate) model: ModPath,
    pub(crate) router: ModPath,
}

impl Default for Layout {
    fn default() -> Self {
        Layout {
            handler: vec!["biz".into(), "handler".into()],
            model: vec!["biz".into(), "model".into()],
            router: vec!["biz".into(), "router".into()],
        }
    }
}

/// Parses a `--handler-dir`-style directory (`biz/handler`, optionally `src/biz/handler`).
pub(crate) fn parse_dir(flag: &str, dir: &str) -> Result<ModPath> {
    let trimmed = dir.trim_matches('/');
    let trimmed = trimmed.strip_prefix("src/").unwrap_or(trimmed);
    let segs: Vec<String> = trimmed
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .map(str::to_owned)
        .collect();
    if segs.is_empty() || !segs.iter().all(|s| names::is_plain_ident(s)) {
        return Err(Error::new(
            ErrorKind::Project,
            format!(
                "{flag} `{dir}`: every directory must be a Rust module name (letters, digits, `_`)"
            ),
        ));
    }
    if segs.len() == 1 && matches!(segs[0].as_str(), "main" | "router" | "router_gen") {
        return Err(Error::new(
            ErrorKind::Project,
            format!("{flag} `{dir}` clashes with a generated top-level module"),
        ));
    }
    Ok(segs)
}

impl Layout {
    /// The model module of an IDL file: `<model>/<namespace…>/<stem>`.
    pub(crate) fn model_module(&self, namespace: &[String], stem: &str) -> ModPath {
        let mut m = self.model.clone();
        m.extend(namespace.iter().cloned());
        m.push(stem.to_owned());
        m
    }

    /// The handler module of a method: `<handler>/<handler_path or namespace…>/<service>`.
    pub(crate) fn handler_module(
        &self,
        file: &IdlFile,
        service: &Service,
        method: &Method,
    ) -> ModPath {
        let mut m = self.handler.clone();
        match &method.handler_path {
            Some(path) => m.extend(path.iter().cloned()),
            None => m.extend(file.namespace.iter().cloned()),
        }
        m.push(names::module(&service.name));
        m
    }

    /// The router module of an IDL file: `<router>/<namespace…>/<stem>`.
    pub(crate) fn router_module(&self, file: &IdlFile) -> ModPath {
        let mut m = self.router.clone();
        m.extend(file.namespace.iter().cloned());
        m.push(file.stem.clone());
        m
    }

    /// The user-owned middleware module beside a router module.
    pub(crate) fn middleware_module(&self, file: &IdlFile) -> ModPath {
        let mut m = self.router.clone();
        m.extend(file.namespace.iter().cloned());
        m.push("middleware".to_owned());
        m
    }

    /// The top-level modules `main.rs` declares.
    pub(crate) fn roots(&self) -> Vec<String> {
        let mut roots: Vec<String> = Vec::new();
        for dir in [&self.handler, &self.model, &self.router] {
            if !roots.contains(&dir[0]) {
                roots.push(dir[0].clone());
            }
        }
        roots
    }
}

/// `src/a/b/c.rs` for `[a, b, c]`.
pub(crate) fn module_file(m: &[String]) -> PathBuf {
    let mut p = PathBuf::from("src");
    for seg in &m[..m.len() - 1] {
        p.push(seg);
    }
    p.push(format!("{}.rs", m[m.len() - 1]));
    p
}

/// `crate::a::b::c`.
pub(crate) fn crate_path(m: &[String]) -> String {
    format!("crate::{}", m.join("::"))
}

/// What `.hz` records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Manifest {
    pub(crate) version: String,
    pub(crate) layout: Layout,
    /// How Cargo.toml names hertz: a path to the hertz-rs workspace or a version.
    pub(crate) hertz: HertzDep,
    /// IDL files, relative to the project directory when possible.
    pub(crate) idls: Vec<PathBuf>,
    /// `-I` directories, likewise.
    pub(crate) includes: Vec<PathBuf>,
}

/// Where the generated project gets hertz-core from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum HertzDep {
    /// `--hertz-path`: the hertz-rs workspace directory.
    Path(PathBuf),
    /// `--hertz-version`.
    Version(String),
}

pub(crate) const MANIFEST: &str = ".hz";

impl Manifest {
    pub(crate) fn render(&self) -> String {
        let mut out = String::from(
            "# Written by hz (hertz-rs). `hz update` reads it: the directories and IDL files this\n# project was generated from. Paths are relative to this file.\n",
        );
        out.push_str(&format!("hz version: {}\n", self.version));
        out.push_str(&format!("handlerDir: {}\n", self.layout.handler.join("/")));
        out.push_str(&format!("modelDir: {}\n", self.layout.model.join("/")));
        out.push_str(&format!("routerDir: {}\n", self.layout.router.join("/")));
        match &self.hertz {
            HertzDep::Path(p) => out.push_str(&format!("hertzPath: {}\n", p.display())),
            HertzDep::Version(v) => out.push_str(&format!("hertzVersion: {v}\n")),
        }
        for idl in &self.idls {
            out.push_str(&format!("idl: {}\n", idl.display()));
        }
        for inc in &self.includes {
            out.push_str(&format!("include: {}\n", inc.display()));
        }
        out
    }

    pub(crate) fn parse(path: &Path, text: &str) -> Result<Manifest> {
        let mut m = Manifest {
            version: String::new(),
            layout: Layout::default(),
            hertz: HertzDep::Version(env!("CARGO_PKG_VERSION").to_owned()),
            idls: Vec::new(),
            includes: Vec::new(),
        };
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = || {
                Error::new(
                    ErrorKind::Project,
                    format!("{}:{}: cannot read `{line}`", path.display(), i + 1),
                )
            };
            let (key, value) = line.split_once(':').ok_or_else(bad)?;
            let value = value.trim();
            match key.trim() {
                "hz version" => m.version = value.to_owned(),
                "handlerDir" => m.layout.handler = parse_dir("handlerDir", value)?,
                "modelDir" => m.layout.model = parse_dir("modelDir", value)?,
                "routerDir" => m.layout.router = parse_dir("routerDir", value)?,
                "hertzPath" => m.hertz = HertzDep::Path(PathBuf::from(value)),
                "hertzVersion" => m.hertz = HertzDep::Version(value.to_owned()),
                "idl" => m.idls.push(PathBuf::from(value)),
                "include" => m.includes.push(PathBuf::from(value)),
                _ => return Err(bad()),
            }
        }
        Ok(m)
    }
}

/// `target` relative to `base` when they share a prefix (both made absolute first);
/// otherwise `target` made absolute.
pub(crate) fn relative_to(target: &Path, base: &Path) -> PathBuf {
    let abs = |p: &Path| {
        p.canonicalize()
            .unwrap_or_else(|_| std::env::current_dir().unwrap_or_default().join(p))
    };
    let (t, b) = (abs(target), abs(base));
    let tc: Vec<_> = t.components().collect();
    let bc: Vec<_> = b.components().collect();
    let common = tc.iter().zip(&bc).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return t;
    }
    let mut out = PathBuf::new();
    for _ in common..bc.len() {
        out.push("..");
    }
    for c in &tc[common..] {
        out.push(c.as_os_str());
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_round_trips() {
        let m = Manifest {
            version: "0.1.0".into(),
            layout: Layout {
                handler: vec!["app".into(), "h".into()],
                ..Layout::default()
            },
            hertz: HertzDep::Path("/x/hertz".into()),
            idls: vec!["../idl/a.thrift".into()],
            includes: vec!["../idl/inc".into()],
        };
        let text = m.render();
        assert_eq!(Manifest::parse(Path::new(".hz"), &text).unwrap(), m);
        let err = Manifest::parse(Path::new(".hz"), "nonsense\n").unwrap_err();
        assert_eq!(err.to_string(), ".hz:1: cannot read `nonsense`");
    }

    #[test]
    fn dirs_must_be_module_names() {
        assert_eq!(
            parse_dir("--model-dir", "src/biz/model/").unwrap(),
            ["biz", "model"]
        );
        assert!(parse_dir("--model-dir", "biz/my-model").is_err());
        assert!(parse_dir("--model-dir", "").is_err());
    }

    #[test]
    fn module_paths() {
        assert_eq!(
            module_file(&["a".into(), "b".into()]),
            PathBuf::from("src/a/b.rs")
        );
        assert_eq!(crate_path(&["a".into(), "b".into()]), "crate::a::b");
    }
}
