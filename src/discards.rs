//! Discarded suspense records: a small TOML file next to the data, so a reviewer's decision
//! survives restarts and is listed in the workbook. Its own module (a reader and an atomic
//! writer), used by the command line and the window: the import only reads exports.

// This module reads and writes the discards file.
#![allow(clippy::disallowed_methods)]

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::report::Discard;

/// Why the discards file could not be read or written; it names the file.
#[derive(Debug, thiserror::Error)]
pub enum DiscardsError {
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{}: not a discards file: {message}", path.display())]
    Format { path: PathBuf, message: String },
}

/// The file name, in the data folder.
pub const FILE_NAME: &str = "billing-workbench-discards.toml";

#[derive(Debug, Default, Serialize, Deserialize)]
struct DiscardFile {
    #[serde(default)]
    discard: Vec<Discard>,
}

pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE_NAME)
}

/// Reads the discards of a data folder (none if the file does not exist).
pub fn load(data_dir: &Path) -> Result<Vec<Discard>, DiscardsError> {
    let p = path(data_dir);
    if !p.is_file() {
        return Ok(Vec::new());
    }
    let text = std::fs::read_to_string(&p).map_err(|e| DiscardsError::Io {
        path: p.clone(),
        source: e,
    })?;
    let file: DiscardFile = toml::from_str(&text).map_err(|e| DiscardsError::Format {
        path: p.clone(),
        message: e.to_string(),
    })?;
    Ok(file.discard)
}

/// Writes the discards atomically (a temporary file, then a rename).
pub fn save(data_dir: &Path, discards: &[Discard]) -> Result<(), DiscardsError> {
    use std::io::Write;
    let p = path(data_dir);
    let text = toml::to_string_pretty(&DiscardFile {
        discard: discards.to_vec(),
    })
    .map_err(|e| DiscardsError::Format {
        path: p.clone(),
        message: e.to_string(),
    })?;
    let header = "# Suspended records discarded by a reviewer in Billing Workbench, with the reason.\n\n";
    let mut tmp = tempfile::NamedTempFile::new_in(data_dir).map_err(|e| DiscardsError::Io {
        path: p.clone(),
        source: e,
    })?;
    tmp.write_all(header.as_bytes())
        .and_then(|_| tmp.write_all(text.as_bytes()))
        .map_err(|e| DiscardsError::Io {
            path: p.clone(),
            source: e,
        })?;
    tmp.persist(&p).map_err(|e| DiscardsError::Io {
        path: p.clone(),
        source: e.error,
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discards_survive_a_round_trip() {
        let tmp = tempfile::tempdir().unwrap();
        assert!(load(tmp.path()).unwrap().is_empty());
        let d = vec![Discard {
            dataset: "Aura_Audit".into(),
            record_id: "e5".into(),
            reason: "test tenant \"x\"".into(),
            by: Some("ana".into()),
            at: Some("2026-11-03T09:15:00Z".into()),
        }];
        save(tmp.path(), &d).unwrap();
        assert_eq!(load(tmp.path()).unwrap(), d);
    }
}
