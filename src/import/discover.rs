//! Finding datasets in a data folder (docs/datasets.md): single files, part folders and versioned
//! folders, names matched ignoring case, Spark/Hive job markers skipped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::model::inputs::Format;

use super::ImportError;

/// How a dataset is laid out on disk.
#[derive(Debug, Clone, PartialEq)]
pub enum Layout {
    File(PathBuf),
    Parts {
        dir: PathBuf,
        files: Vec<PathBuf>,
    },
    Versioned {
        dir: PathBuf,
        versions: BTreeMap<u32, Vec<PathBuf>>,
    },
}

/// One dataset found in the folder.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The name as spelled on disk.
    pub name: String,
    pub layout: Layout,
    /// Files that were not read (unknown extension), and other things worth saying.
    pub problems: Vec<String>,
    /// Set when the dataset cannot be used at all (found both as file and folder).
    pub error: Option<String>,
}

/// What a data folder holds.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub dir: PathBuf,
    pub entries: Vec<Entry>,
}

/// Whether a directory entry is a job marker or hidden file rather than data.
fn is_marker(name: &str) -> bool {
    name.starts_with('_') || name.starts_with('.')
}

fn format_of(path: &Path) -> Option<Format> {
    path.extension()
        .and_then(|e| e.to_str())
        .and_then(Format::from_extension)
}

fn version_number(name: &str) -> Option<u32> {
    let digits = name.strip_prefix('v').or_else(|| name.strip_prefix('V'))?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn sorted_dir(dir: &Path) -> Result<Vec<(String, PathBuf, bool)>, ImportError> {
    let mut out = Vec::new();
    for item in std::fs::read_dir(dir).map_err(|e| ImportError::io(dir, e))? {
        let item = item.map_err(|e| ImportError::io(dir, e))?;
        let name = item.file_name().to_string_lossy().into_owned();
        let path = item.path();
        let is_dir = path.is_dir();
        out.push((name, path, is_dir));
    }
    // Parts are read in byte order of their file names (docs/datasets.md).
    out.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    Ok(out)
}

/// The part files of a folder, in byte order, with problems for anything unreadable.
fn parts_in(dir: &Path, problems: &mut Vec<String>) -> Result<Vec<PathBuf>, ImportError> {
    let mut files = Vec::new();
    for (name, path, is_dir) in sorted_dir(dir)? {
        if is_marker(&name) {
            continue;
        }
        if is_dir {
            problems.push(format!("{}: a folder inside a part folder is not read", path.display()));
        } else if format_of(&path).is_some() {
            files.push(path);
        } else {
            problems.push(format!(
                "{}: not a dataset file (extension not avro, parquet, csv, json, xlsx, xls or ods); not read",
                path.display()
            ));
        }
    }
    Ok(files)
}

impl Catalog {
    /// Lists the datasets in `dir`.
    pub fn discover(dir: &Path) -> Result<Catalog, ImportError> {
        if !dir.is_dir() {
            return Err(ImportError::NotAFolder {
                path: dir.to_path_buf(),
            });
        }
        let mut by_name: BTreeMap<String, Vec<Entry>> = BTreeMap::new();
        for (name, path, is_dir) in sorted_dir(dir)? {
            if is_marker(&name) {
                continue;
            }
            let entry = if is_dir {
                let mut problems = Vec::new();
                let children = sorted_dir(&path)?;
                let has_versions = children.iter().any(|(n, _, d)| *d && version_number(n).is_some());
                let layout = if has_versions {
                    let mut versions = BTreeMap::new();
                    for (n, p, d) in children {
                        if is_marker(&n) {
                            continue;
                        }
                        match (d, version_number(&n)) {
                            (true, Some(v)) => {
                                versions.insert(v, parts_in(&p, &mut problems)?);
                            }
                            _ => problems.push(format!("{}: not a version folder (v1, v2, …); not read", p.display())),
                        }
                    }
                    Layout::Versioned {
                        dir: path.clone(),
                        versions,
                    }
                } else {
                    Layout::Parts {
                        dir: path.clone(),
                        files: parts_in(&path, &mut problems)?,
                    }
                };
                Entry {
                    name: name.clone(),
                    layout,
                    problems,
                    error: None,
                }
            } else {
                let Some(_) = format_of(&path) else { continue };
                let stem = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                Entry {
                    name: stem,
                    layout: Layout::File(path.clone()),
                    problems: Vec::new(),
                    error: None,
                }
            };
            by_name.entry(entry.name.to_ascii_lowercase()).or_default().push(entry);
        }
        let mut entries = Vec::new();
        for (_, mut found) in by_name {
            if found.len() == 1 {
                entries.push(found.remove(0));
                continue;
            }
            let places: Vec<String> = found.iter().map(|e| e.location().display().to_string()).collect();
            let mut first = found.remove(0);
            first.error = Some(format!(
                "dataset {} is found more than once: {}; keep one",
                first.name,
                places.join(" and ")
            ));
            entries.push(first);
        }
        Ok(Catalog {
            dir: dir.to_path_buf(),
            entries,
        })
    }

    /// The entry for a dataset name, ignoring case.
    pub fn find(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.name.eq_ignore_ascii_case(name))
    }
}

impl Entry {
    pub fn location(&self) -> &Path {
        match &self.layout {
            Layout::File(p) => p,
            Layout::Parts { dir, .. } | Layout::Versioned { dir, .. } => dir,
        }
    }

    /// The files to read: the pinned version, or the highest; errors name what is missing.
    pub fn files(&self, pinned: Option<u32>) -> Result<(Option<u32>, Vec<PathBuf>), ImportError> {
        if let Some(e) = &self.error {
            return Err(ImportError::Dataset { message: e.clone() });
        }
        match &self.layout {
            Layout::File(p) => Ok((None, vec![p.clone()])),
            Layout::Parts { files, .. } => Ok((None, files.clone())),
            Layout::Versioned { dir, versions } => {
                let chosen = match pinned {
                    Some(v) => versions.get_key_value(&v).ok_or_else(|| ImportError::Dataset {
                        message: format!(
                            "{}: version {v} is pinned in the configuration but only {} exist",
                            dir.display(),
                            versions.keys().map(|k| format!("v{k}")).collect::<Vec<_>>().join(", ")
                        ),
                    })?,
                    None => versions.iter().next_back().ok_or_else(|| ImportError::Dataset {
                        message: format!("{}: no version folder holds data", dir.display()),
                    })?,
                };
                Ok((Some(*chosen.0), chosen.1.clone()))
            }
        }
    }

    /// The available version numbers (empty when not versioned).
    pub fn versions(&self) -> Vec<u32> {
        match &self.layout {
            Layout::Versioned { versions, .. } => versions.keys().copied().collect(),
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, b"x").unwrap();
    }

    #[test]
    fn finds_files_parts_and_versions() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        touch(&d.join("D_Aura_App.csv"));
        touch(&d.join("aura_audit/v2/part-1.avro"));
        touch(&d.join("aura_audit/v10/part-b.avro"));
        touch(&d.join("aura_audit/v10/part-a.avro"));
        touch(&d.join("aura_audit/v10/_SUCCESS"));
        touch(&d.join("aura_audit/v10/.part-a.avro.crc"));
        touch(&d.join("aura_audit/v10/notes.txt"));
        touch(&d.join("Gateway/part-0.parquet"));
        touch(&d.join("Gateway/_committed_123"));
        touch(&d.join("readme.md"));
        let c = Catalog::discover(d).unwrap();
        assert_eq!(c.entries.len(), 3);
        let audit = c.find("Aura_Audit").unwrap();
        let (v, files) = audit.files(None).unwrap();
        assert_eq!(v, Some(10), "v10 sorts after v2 by number");
        let names: Vec<_> = files
            .iter()
            .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["part-a.avro", "part-b.avro"]);
        assert_eq!(audit.problems.len(), 1, "{:?}", audit.problems);
        assert!(audit.problems[0].contains("notes.txt"));
        assert_eq!(audit.files(Some(2)).unwrap().0, Some(2));
        assert!(audit.files(Some(3)).unwrap_err().to_string().contains("v2, v10"));
        assert_eq!(c.find("gateway").unwrap().files(None).unwrap().1.len(), 1);
    }

    #[test]
    fn file_and_folder_of_one_name_is_an_error_naming_both() {
        let tmp = tempfile::tempdir().unwrap();
        touch(&tmp.path().join("Aura_Audit.avro"));
        touch(&tmp.path().join("Aura_Audit/part-0.avro"));
        let c = Catalog::discover(tmp.path()).unwrap();
        let err = c.find("aura_audit").unwrap().files(None).unwrap_err().to_string();
        assert!(
            err.contains("Aura_Audit.avro") && err.contains("Aura_Audit and") || err.contains("Aura_Audit.avro and"),
            "{err}"
        );
    }
}
