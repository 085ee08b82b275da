//! Where a register lives: a SQLite file, or a `postgres://` URL whose password comes from
//! the environment or `~/.pgpass`, never from the URL (so it never reaches a workbook, the
//! register or a message).

use std::fmt;
use std::path::{Path, PathBuf};

/// The SQL spoken by a register's database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A register's location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    File(PathBuf),
    /// A `postgres://user@host:port/dbname[?sslmode=…]` URL without a password.
    Postgres(String),
}

impl Location {
    /// Reads a `--register` value or `[billing] register` setting; a relative file path is
    /// taken from `base` (the configuration's folder). A URL with a password is refused
    /// without repeating it.
    pub fn parse(text: &str, base: &Path) -> Result<Location, String> {
        let text = text.trim();
        let lower = text.to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            if crate::model::config::url_has_password(text) {
                return Err(
                    "the register URL holds a password: remove it and give it in PGPASSWORD or ~/.pgpass".to_string(),
                );
            }
            return Ok(Location::Postgres(text.to_string()));
        }
        if text.is_empty() {
            return Err("the register location is empty".to_string());
        }
        let path = PathBuf::from(text);
        Ok(Location::File(if path.is_relative() { base.join(path) } else { path }))
    }

    /// The register of a configuration: `given` (a `--register` value, from the working
    /// folder) if any, else its `[billing] register` setting (from the configuration's
    /// folder), else `billing-register.sqlite` beside the configuration.
    pub fn resolve(config_path: Option<&Path>, setting: Option<&str>, given: Option<&str>) -> Result<Location, String> {
        let base = config_path
            .and_then(Path::parent)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if let Some(text) = given {
            return Location::parse(text, Path::new(".")).map_err(|e| format!("--register: {e}"));
        }
        if let Some(text) = setting {
            return Location::parse(text, base).map_err(|e| format!("[billing] register: {e}"));
        }
        Ok(Location::File(base.join("billing-register.sqlite")))
    }

    pub fn dialect(&self) -> Dialect {
        match self {
            Location::File(_) => Dialect::Sqlite,
            Location::Postgres(_) => Dialect::Postgres,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File(p) => write!(f, "{}", p.display()),
            Location::Postgres(url) => f.write_str(url),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_in_the_url_is_refused_without_being_repeated() {
        let e = Location::parse("postgres://billing:s3cret@db:5432/reg", Path::new(".")).unwrap_err();
        assert!(!e.contains("s3cret"), "{e}");
        assert!(e.contains("PGPASSWORD"), "{e}");
    }

    #[test]
    fn urls_and_relative_files_are_told_apart() {
        assert_eq!(
            Location::parse("postgresql://billing@db:5432/reg?sslmode=require", Path::new("/c")).unwrap(),
            Location::Postgres("postgresql://billing@db:5432/reg?sslmode=require".to_string())
        );
        assert_eq!(
            Location::parse("reg.sqlite", Path::new("/c")).unwrap(),
            Location::File(PathBuf::from("/c/reg.sqlite"))
        );
        assert_eq!(
            Location::parse("/abs/reg.sqlite", Path::new("/c")).unwrap(),
            Location::File(PathBuf::from("/abs/reg.sqlite"))
        );
    }
}
