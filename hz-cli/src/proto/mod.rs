//! The Protobuf front end: protox compiles the files named with `--idl` and everything
//! they `import` (from the `-I` directories, then each file's own directory, then hz's
//! bundled `api.proto` and Google's well-known files), and [`lower`] reads the descriptors.

mod lower;

use std::path::{Path, PathBuf};

use miette::Diagnostic;
use protox::file::{
    ChainFileResolver, File, FileResolver, GoogleFileResolver, IncludeFileResolver,
};

use crate::annotations::Warnings;
use crate::error::{Error, ErrorKind, Result};
use crate::ir::Idl;
use crate::location::token_at;

/// hz's copy of Hertz's `api.proto`, importable as `api.proto` without an `-I` for it.
pub(crate) const API_PROTO: &str = include_str!("../../idl/api.proto");

/// Serves [`API_PROTO`] to imports of `api.proto` that no include directory satisfied.
struct BundledApiProto;

impl FileResolver for BundledApiProto {
    fn open_file(&self, name: &str) -> std::result::Result<File, protox::Error> {
        if name == "api.proto" {
            File::from_source(name, API_PROTO)
        } else {
            Err(protox::Error::file_not_found(name))
        }
    }
}

/// Compiles `mains` and lowers them and their imports into `idl`.
pub(crate) fn load(
    mains: &[PathBuf],
    include_dirs: &[PathBuf],
    idl: &mut Idl,
    warnings: &mut Warnings,
) -> Result<()> {
    let mut dirs: Vec<PathBuf> = include_dirs.to_vec();
    for main in mains {
        let dir = main.parent().filter(|d| !d.as_os_str().is_empty());
        let dir = dir.map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        if !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    let mut resolver = ChainFileResolver::new();
    for dir in &dirs {
        resolver.add(IncludeFileResolver::new(dir.clone()));
    }
    resolver.add(BundledApiProto);
    resolver.add(GoogleFileResolver::new());
    let mut compiler = protox::Compiler::with_file_resolver(resolver);
    compiler.include_imports(true);
    let mut main_names = Vec::new();
    for main in mains {
        if !main.is_file() {
            return Err(Error::new(
                ErrorKind::Io,
                format!("cannot read {}: no such file", main.display()),
            ));
        }
        compiler
            .open_file(main)
            .map_err(|e| located(&e, mains, &dirs))?;
    }
    for f in compiler.files() {
        if !f.is_import() {
            main_names.push(f.name().to_owned());
        }
    }
    let pool = compiler.descriptor_pool();
    lower::lower(&pool, &main_names, &dirs, idl, warnings)
}

/// A protox error as `file:line:column: message at `token``.
fn located(err: &protox::Error, mains: &[PathBuf], dirs: &[PathBuf]) -> Error {
    let kind = if err.is_parse() || err.file().is_some() {
        ErrorKind::Syntax
    } else {
        ErrorKind::Io
    };
    let label = err.labels().and_then(|mut l| l.next());
    let (Some(label), Some(source)) = (label, err.source_code()) else {
        let file = err.file().map(|f| display_name(f, mains, dirs));
        return Error::new(
            kind,
            match file {
                Some(file) => format!("{file}: {err}"),
                None => err.to_string(),
            },
        );
    };
    let span = label.inner();
    let Ok(contents) = source.read_span(span, 0, 0) else {
        return Error::new(kind, err.to_string());
    };
    let file = contents
        .name()
        .or(err.file())
        .map_or_else(|| "<idl>".to_owned(), |f| display_name(f, mains, dirs));
    let token = if span.is_empty() {
        // An empty span points between tokens; name what follows it.
        source
            .read_span(&(span.offset(), 0).into(), 0, 1)
            .ok()
            .map(|c| token_at(&String::from_utf8_lossy(c.data()), 0))
            .unwrap_or_else(|| "end of file".to_owned())
    } else {
        String::from_utf8_lossy(contents.data()).into_owned()
    };
    // protox labels most spans "found here", which the token already says.
    let label_text = label
        .label()
        .filter(|l| *l != "found here")
        .map(|l| format!(" ({l})"))
        .unwrap_or_default();
    Error::new(
        kind,
        format!(
            "{file}:{}:{}: {err}{label_text}: at `{token}`",
            contents.line() + 1,
            contents.column() + 1
        ),
    )
}

/// protox names files relative to their include directory; show the path the user knows.
fn display_name(name: &str, mains: &[PathBuf], dirs: &[PathBuf]) -> String {
    if let Some(m) = mains
        .iter()
        .find(|m| m.file_name().is_some_and(|f| f == name))
    {
        return m.display().to_string();
    }
    dirs.iter()
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .map_or_else(|| name.to_owned(), |p| p.display().to_string())
}
