//! Writing a [`RustFile`] into a file the user may have edited: only missing items are
//! appended and only missing imports are inserted; every existing byte stays as it was.
//!
//! Items are found by text (`fn name(`, `mod name;`), not by parsing: a user file that no
//! longer parses must not stop `hz update`, and a function the user commented out counts as
//! present, so hz does not bring back what the user removed on purpose.

use crate::gen::{ItemKey, RustFile, RustItem};
use crate::rustfmt::Rustfmt;

/// The text of a new file.
pub(crate) fn create(file: &RustFile, fmt: &Rustfmt, what: &str) -> String {
    let mut imports = Imports::parse(&file.header);
    let mut body = String::new();
    for item in &file.items {
        body.push('\n');
        body.push_str(&imports.resolve(&item.code));
    }
    let mut text = file.header.clone();
    if !imports.added.is_empty() {
        let mut uses = imports.added.clone();
        uses.sort();
        text.push('\n');
        for u in uses {
            text.push_str(&u);
            text.push('\n');
        }
    }
    text.push_str(&body);
    if file.items.iter().any(|i| matches!(i.key, ItemKey::Mod(_))) {
        // rustfmt would go looking for the declared modules' files; these lines are
        // already in rustfmt's form.
        return text;
    }
    fmt.format(what, &text)
}

/// `existing` with the missing items appended, or `None` if nothing is missing.
pub(crate) fn merge(existing: &str, file: &RustFile, fmt: &Rustfmt, what: &str) -> Option<String> {
    let missing: Vec<&RustItem> = file
        .items
        .iter()
        .filter(|i| !contains(existing, &i.key))
        .collect();
    if missing.is_empty() {
        return None;
    }
    let mut imports = Imports::parse(existing);
    let mut appended = String::new();
    for item in missing {
        let code = imports.resolve(&item.code);
        let code = match item.key {
            ItemKey::Mod(_) => code,
            ItemKey::Fn(_) => fmt.format(what, &code),
        };
        appended.push('\n');
        appended.push_str(&code);
    }
    let mut text = existing.to_owned();
    for u in &imports.added {
        text = insert_use(&text, u);
    }
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&appended);
    Some(text)
}

fn contains(text: &str, key: &ItemKey) -> bool {
    match key {
        ItemKey::Fn(name) => {
            text.contains(&format!("fn {name}(")) || text.contains(&format!("fn {name}<"))
        }
        ItemKey::Mod(name) => {
            text.contains(&format!("mod {name};")) || text.contains(&format!("mod {name} {{"))
        }
    }
}

/// The file's `use path;` / `use path as alias;` lines, and the ones hz adds.
struct Imports {
    /// (path, the name it is imported as).
    known: Vec<(String, String)>,
    added: Vec<String>,
}

impl Imports {
    fn parse(text: &str) -> Self {
        let mut known = Vec::new();
        for line in text.lines() {
            let Some(rest) = line
                .strip_prefix("use ")
                .and_then(|r| r.trim_end().strip_suffix(';'))
            else {
                continue;
            };
            if rest.contains('{') {
                continue;
            }
            let (path, alias) = match rest.split_once(" as ") {
                Some((p, a)) => (p.trim(), a.trim()),
                None => (rest.trim(), rest.rsplit("::").next().unwrap_or(rest).trim()),
            };
            known.push((path.to_owned(), alias.to_owned()));
        }
        Imports {
            known,
            added: Vec::new(),
        }
    }

    /// Replaces each `⟦path⟧` in `code` by the name `path` is imported as, importing it
    /// if needed.
    fn resolve(&mut self, code: &str) -> String {
        let mut out = String::with_capacity(code.len());
        let mut rest = code;
        while let Some(start) = rest.find('⟦') {
            out.push_str(&rest[..start]);
            let after = &rest[start + '⟦'.len_utf8()..];
            let Some(end) = after.find('⟧') else {
                out.push_str(&rest[start..]);
                return out;
            };
            let path = &after[..end];
            out.push_str(&self.alias(path));
            rest = &after[end + '⟧'.len_utf8()..];
        }
        out.push_str(rest);
        out
    }

    fn alias(&mut self, path: &str) -> String {
        if let Some((_, a)) = self.known.iter().find(|(p, _)| p == path) {
            return a.clone();
        }
        let segs: Vec<&str> = path.split("::").collect();
        let last = segs[segs.len() - 1].to_owned();
        let taken = |a: &str, known: &[(String, String)]| known.iter().any(|(_, k)| k == a);
        let mut alias = last.clone();
        if taken(&alias, &self.known) && segs.len() >= 2 {
            alias = format!("{}_{}", segs[segs.len() - 2], last);
        }
        let mut n = 2;
        while taken(&alias, &self.known) {
            alias = format!("{last}{n}");
            n += 1;
        }
        let line = if alias == last {
            format!("use {path};")
        } else {
            format!("use {path} as {alias};")
        };
        self.known.push((path.to_owned(), alias.clone()));
        self.added.push(line);
        alias
    }
}

/// Inserts a `use crate::…;` line among the file's `use crate::` lines in sorted order
/// (where rustfmt would put it), else after the last `use`, else after the file's opening
/// comments.
fn insert_use(text: &str, line: &str) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let is_use = |l: &str| l.starts_with("use ");
    let crate_uses: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].starts_with("use crate::"))
        .collect();
    let (at, blank_before) = if let Some(&first) = crate_uses.first() {
        // Within the contiguous block starting at the first `use crate::` line.
        let mut i = first;
        while i < lines.len() && lines[i].starts_with("use crate::") && lines[i].trim_end() < line {
            i += 1;
        }
        (i, false)
    } else if let Some(last) = (0..lines.len()).rev().find(|&i| is_use(lines[i])) {
        (last + 1, true)
    } else {
        let mut i = 0;
        // After the file's opening comments (docs or not).
        while i < lines.len() && (lines[i].starts_with("//") || lines[i].trim().is_empty()) {
            i += 1;
        }
        (i, false)
    };
    let mut out = String::with_capacity(text.len() + line.len() + 2);
    for l in &lines[..at] {
        out.push_str(l);
    }
    if blank_before {
        out.push('\n');
    }
    out.push_str(line);
    out.push('\n');
    if !blank_before && crate_uses.is_empty() {
        out.push('\n');
    }
    for l in &lines[at..] {
        out.push_str(l);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(name: &str, code: &str) -> RustItem {
        RustItem {
            key: ItemKey::Fn(name.to_owned()),
            code: code.to_owned(),
        }
    }

    // Formatting is tested end to end; here only the merge logic.
    fn no_fmt() -> Rustfmt {
        Rustfmt::disabled()
    }

    #[test]
    fn appends_missing_items_and_imports_keeping_every_byte() {
        let existing = "//! Doc.\n\nuse hertz_core::Context;\n\nuse crate::m::a;\n\npub async fn one() {\n    // my edit\n}\n";
        let file = RustFile {
            header: String::new(),
            items: vec![
                item("one", "pub async fn one() {}\n"),
                item(
                    "two",
                    "pub fn two() -> ⟦crate::m::b⟧::T {\n    todo!()\n}\n",
                ),
            ],
        };
        let out = merge(existing, &file, &no_fmt(), "t").unwrap();
        assert!(
            out.contains("use crate::m::a;\nuse crate::m::b;\n"),
            "{out}"
        );
        assert!(
            out.contains("pub async fn one() {\n    // my edit\n}\n"),
            "{out}"
        );
        assert!(out.contains("pub fn two() -> b::T"), "{out}");
        // Everything before the insertion point and the old body are unchanged.
        assert!(out.starts_with("//! Doc.\n\nuse hertz_core::Context;\n\nuse crate::m::a;\n"));
        assert!(merge(&out, &file, &no_fmt(), "t").is_none());
    }

    #[test]
    fn alias_avoids_clashes() {
        let mut imports = Imports::parse("use crate::x::hello;\n");
        assert_eq!(imports.alias("crate::x::hello"), "hello");
        assert_eq!(imports.alias("crate::y::hello"), "y_hello");
        assert_eq!(imports.added, ["use crate::y::hello as y_hello;"]);
    }

    #[test]
    fn use_goes_after_docs_when_there_is_none() {
        let out = insert_use("//! D\n\nfn a() {}\n", "use crate::m;");
        assert_eq!(out, "//! D\n\nuse crate::m;\n\nfn a() {}\n");
    }
}
