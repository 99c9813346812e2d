//! Positions in IDL text, for errors and warnings: `file:line:column`, counted from 1, the
//! column in characters (what editors show).

use std::fmt;

/// A point in an IDL file.
#[derive(Clone, Debug)]
pub(crate) struct Location {
    pub(crate) file: String,
    pub(crate) line: usize,
    pub(crate) column: usize,
}

impl Location {
    /// The location of byte `offset` in `text` (clamped to the text, and to a char boundary).
    pub(crate) fn at(file: &str, text: &str, offset: usize) -> Self {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Location {
            file: file.to_owned(),
            line,
            column,
        }
    }

    /// Where `needle` first occurs in `text` at or after byte `from` — how annotations, which
    /// the parsers do not locate, are found again for warnings. The file start if absent.
    pub(crate) fn find(file: &str, text: &str, needle: &str, from: usize) -> Self {
        let from = from.min(text.len());
        let offset = text
            .get(from..)
            .and_then(|rest| rest.find(needle))
            .map_or(0, |i| i + from);
        Location::at(file, text, offset)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// The byte offset of the first whole-word occurrence of `word` at or after `from` (not
/// inside a longer identifier); `from` itself if there is none.
pub(crate) fn find_word(text: &str, word: &str, from: usize) -> usize {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut at = from.min(text.len());
    while let Some(i) = text.get(at..).and_then(|rest| rest.find(word)) {
        let start = at + i;
        let end = start + word.len();
        let before_ok = !text[..start].chars().next_back().is_some_and(is_ident);
        let after_ok = !text[end..].chars().next().is_some_and(is_ident);
        if before_ok && after_ok {
            return start;
        }
        at = end;
    }
    from.min(text.len())
}

/// The token starting at byte `offset`: an identifier or number, a string literal's first
/// line, or one character; `end of file` past the end.
pub(crate) fn token_at(text: &str, offset: usize) -> String {
    let Some(rest) = text.get(offset..).filter(|r| !r.is_empty()) else {
        return "end of file".to_owned();
    };
    let first = rest.chars().next().unwrap_or(' ');
    if first.is_alphanumeric() || first == '_' {
        rest.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
            .collect()
    } else {
        first.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns() {
        let text = "ab\ncdé f\n";
        assert_eq!(Location::at("x", text, 0).to_string(), "x:1:1");
        assert_eq!(Location::at("x", text, 3).to_string(), "x:2:1");
        // é is two bytes but one column.
        assert_eq!(Location::at("x", text, 7).to_string(), "x:2:4");
        assert_eq!(Location::at("x", text, 999).to_string(), "x:3:1");
        assert_eq!(Location::find("x", text, "f", 0).to_string(), "x:2:5");
        assert_eq!(token_at(text, 3), "cdé");
        assert_eq!(token_at(text, 5), "é");
        assert_eq!(token_at(text, 10), "end of file");
        assert_eq!(token_at("  }", 2), "}");
        assert_eq!(find_word("namespace a\nstruct A { 1: a }", "a", 3), 10);
        assert_eq!(find_word("ab a", "a", 0), 3);
        assert_eq!(find_word("ab", "a", 1), 1);
    }
}
