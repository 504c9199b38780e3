//! Server operators named in the data directory's `admins` file, beside
//! the `--admin` flags: one registered name a line, `#` starting a
//! comment, blank lines ignored. Read once at start; a name that is not a
//! valid name stops natterd with the file and line, rather than leaving a
//! typo silently without rights.

use std::path::Path;

use natter::protocol::canonical_name;

/// The file's name in the data directory.
pub const FILE: &str = "admins";

/// The names in `dir`'s admins file (none when there is no such file).
pub fn read(dir: &Path) -> Result<Vec<String>, String> {
    let path = dir.join(FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    parse(&text).map_err(|(line, why)| format!("{}:{line}: {why}", path.display()))
}

/// The names in an admins file's text, or the first bad line and why.
fn parse(text: &str) -> Result<Vec<String>, (usize, String)> {
    let mut names = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        match canonical_name(line) {
            Ok(name) => names.push(name.into_owned()),
            Err(why) => return Err((n + 1, format!("invalid name {line:?}: {why}"))),
        }
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_comments_and_blank_lines() {
        let text = "# server operators\nalice\n\n  철수  # the teacher\n";
        assert_eq!(parse(text), Ok(vec!["alice".to_owned(), "철수".to_owned()]));
    }

    #[test]
    fn a_bad_line_is_named() {
        let (line, why) = parse("alice\nbob smith\n").unwrap_err();
        assert_eq!(line, 2);
        assert!(why.starts_with("invalid name \"bob smith\""), "{why}");
    }

    #[test]
    fn a_missing_file_names_nobody_and_a_directory_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read(dir.path()), Ok(Vec::new()));
        std::fs::create_dir(dir.path().join(FILE)).unwrap();
        assert!(read(dir.path()).unwrap_err().starts_with("cannot read "));
    }
}
