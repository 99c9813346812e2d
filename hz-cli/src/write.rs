//! Turning [`Output`]s into files: decide each file's fate against what is on disk
//! (created / overwritten / appended / kept / unchanged), then write them all through a
//! staging directory so a failure leaves the project as it was.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::gen::{Content, Output};
use crate::merge;
use crate::rustfmt::Rustfmt;

/// What happens to one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    Created,
    Overwritten,
    Appended,
    /// A user-owned file left alone.
    Kept,
    /// A generated file whose content did not change.
    Unchanged,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Status::Created => "created",
            Status::Overwritten => "overwritten",
            Status::Appended => "appended",
            Status::Kept => "kept",
            Status::Unchanged => "unchanged",
        })
    }
}

/// One decided file.
pub(crate) struct Planned {
    pub(crate) path: PathBuf,
    pub(crate) status: Status,
    /// The new content, when the file is written.
    text: Option<String>,
}

/// How user-owned scaffold files are treated.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScaffoldMode {
    /// Written when missing (`hz new`).
    CreateMissing,
    /// Rewritten (`hz new --force`).
    Overwrite,
    /// Never written (`hz update`: main.rs and router.rs are the user's).
    Keep,
}

/// Decides every output's fate; reads the project but writes nothing.
pub(crate) fn plan(
    root: &Path,
    outputs: Vec<Output>,
    fmt: &Rustfmt,
    scaffold: ScaffoldMode,
) -> Result<Vec<Planned>> {
    let mut planned: Vec<Planned> = Vec::new();
    for out in outputs {
        if planned.iter().any(|p| p.path == out.path) {
            continue;
        }
        let full = root.join(&out.path);
        let existing = match std::fs::read_to_string(&full) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::io("cannot read", &full, e)),
        };
        let what = out.path.display().to_string();
        let is_rust = out.path.extension().is_some_and(|e| e == "rs");
        let (status, text) = match (out.content, existing) {
            (Content::Generated(text), existing) => {
                let text = if is_rust {
                    fmt.format(&what, &text)
                } else {
                    text
                };
                match existing {
                    None => (Status::Created, Some(text)),
                    Some(old) if old == text => (Status::Unchanged, None),
                    Some(_) => (Status::Overwritten, Some(text)),
                }
            }
            (Content::Scaffold(text), None) if scaffold != ScaffoldMode::Keep => {
                (Status::Created, Some(text))
            }
            (Content::Scaffold(text), Some(old)) if scaffold == ScaffoldMode::Overwrite => {
                if old == text {
                    (Status::Unchanged, None)
                } else {
                    (Status::Overwritten, Some(text))
                }
            }
            (Content::Scaffold(_), _) => (Status::Kept, None),
            (Content::Merged(file), None) => {
                (Status::Created, Some(merge::create(&file, fmt, &what)))
            }
            (Content::Merged(file), Some(old)) => match merge::merge(&old, &file, fmt, &what) {
                Some(text) => (Status::Appended, Some(text)),
                None => (Status::Kept, None),
            },
        };
        planned.push(Planned {
            path: out.path,
            status,
            text,
        });
    }
    Ok(planned)
}

/// Writes the planned files under `root`: first all into a staging directory, then each
/// moved into place (or the whole directory renamed, when `root` does not exist yet).
pub(crate) fn commit(root: &Path, planned: &[Planned]) -> Result<()> {
    let writes: Vec<(&Path, &str)> = planned
        .iter()
        .filter_map(|p| p.text.as_deref().map(|t| (p.path.as_path(), t)))
        .collect();
    if writes.is_empty() {
        return Ok(());
    }
    let root_exists = root.is_dir();
    // Stage on the same file system as the destination so the moves are renames.
    let stage_parent = if root_exists {
        root.to_path_buf()
    } else {
        let parent = root
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(|e| Error::io("cannot create", parent, e))?;
        parent.to_path_buf()
    };
    let stage = tempfile::Builder::new()
        .prefix(".hz-staging-")
        .tempdir_in(&stage_parent)
        .map_err(|e| Error::io("cannot create a staging directory in", &stage_parent, e))?;
    for (path, text) in &writes {
        let dest = stage.path().join(path);
        if let Some(dir) = dest.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io("cannot create", dir, e))?;
        }
        std::fs::write(&dest, text).map_err(|e| Error::io("cannot write", &dest, e))?;
    }
    if !root_exists {
        let staged = stage.keep();
        return std::fs::rename(&staged, root).map_err(|e| Error::io("cannot create", root, e));
    }
    for (path, _) in &writes {
        let dest = root.join(path);
        if let Some(dir) = dest.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io("cannot create", dir, e))?;
        }
        std::fs::rename(stage.path().join(path), &dest)
            .map_err(|e| Error::io("cannot write", &dest, e))?;
    }
    Ok(())
}

/// Prints one line per file, paths as the user would type them from here.
pub(crate) fn report(root: &Path, planned: &[Planned]) {
    for p in planned {
        let shown = if root == Path::new(".") {
            p.path.clone()
        } else {
            root.join(&p.path)
        };
        println!("  {:<11} {}", p.status, shown.display());
    }
}
