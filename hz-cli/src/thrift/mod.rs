//! The Thrift front end: reads a file and everything it `include`s (relative to the
//! including file, then the `-I` directories), and lowers it to [`crate::ir`].

mod lower;
mod parse;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use pilota_thrift_parser::Item;

use crate::annotations::Warnings;
use crate::error::{Error, ErrorKind, Result};
use crate::ir::Idl;

/// A parsed file before lowering.
pub(crate) struct Parsed {
    /// The path as displayed in messages.
    pub(crate) display: String,
    pub(crate) path: PathBuf,
    pub(crate) text: String,
    pub(crate) items: Vec<Item>,
    /// Include alias (file stem) → index in the parsed list.
    pub(crate) includes: HashMap<String, usize>,
    pub(crate) is_main: bool,
}

/// Reads `mains` and their includes into `idl`.
pub(crate) fn load(
    mains: &[PathBuf],
    include_dirs: &[PathBuf],
    idl: &mut Idl,
    warnings: &mut Warnings,
) -> Result<()> {
    let mut files: Vec<Parsed> = Vec::new();
    let mut by_path: HashMap<PathBuf, usize> = HashMap::new();
    for main in mains {
        let idx = read(main, include_dirs, &mut files, &mut by_path, 0)?;
        files[idx].is_main = true;
    }
    lower::lower(&files, idl, warnings)
}

fn read(
    path: &Path,
    include_dirs: &[PathBuf],
    files: &mut Vec<Parsed>,
    by_path: &mut HashMap<PathBuf, usize>,
    depth: usize,
) -> Result<usize> {
    let canonical = path
        .canonicalize()
        .map_err(|e| Error::io("cannot read", path, e))?;
    if let Some(&idx) = by_path.get(&canonical) {
        return Ok(idx);
    }
    if depth > 64 {
        return Err(Error::unsupported(format!(
            "{}: includes nest deeper than 64 files",
            path.display()
        )));
    }
    let text = std::fs::read_to_string(path).map_err(|e| Error::io("cannot read", path, e))?;
    let display = path.display().to_string();
    let items = parse::parse(&display, &text)?;
    let idx = files.len();
    by_path.insert(canonical, idx);
    files.push(Parsed {
        display: display.clone(),
        path: path.to_owned(),
        text,
        items: Vec::new(),
        includes: HashMap::new(),
        is_main: false,
    });
    let mut includes = HashMap::new();
    for item in &items {
        let Item::Include(inc) = item else { continue };
        let name: &str = &inc.path;
        let dir = path.parent().unwrap_or(Path::new("."));
        let found = std::iter::once(dir.to_path_buf())
            .chain(include_dirs.iter().cloned())
            .map(|d| d.join(name))
            .find(|p| p.is_file());
        let Some(found) = found else {
            let at = crate::location::Location::find(&display, &files[idx].text, name, 0);
            return Err(Error::new(
                ErrorKind::Syntax,
                format!("{at}: include `{name}` not found next to the file or in any -I directory"),
            ));
        };
        let alias = Path::new(name)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let child = read(&found, include_dirs, files, by_path, depth + 1)?;
        includes.insert(alias, child);
    }
    files[idx].items = items;
    files[idx].includes = includes;
    Ok(idx)
}
