//! Reading `[[ob_table]]` datasets into OBs of the configuration.

use std::path::Path;

use super::{Catalog, Column, FieldPlan, FileInfo, Form, Progress, entry_for, read_parts};
use crate::model::config::{Config, ConfigError};

/// Reads the `[[ob_table]]` datasets and adds their OBs to the configuration, after its
/// `[[ob]]` entries; returns the files read (for Run info). A row that cannot make an OB is
/// a configuration error naming the dataset and the row.
pub fn add_table_obs(
    config: &mut Config,
    catalog: &Catalog,
    progress: &dyn Progress,
) -> Result<Vec<(String, FileInfo)>, crate::LoadError> {
    let on_file = |p: &Path| progress.file_done(p);
    let mut files_read = Vec::new();
    let mut problems = Vec::new();
    for t in config.ob_tables.clone() {
        let entry = entry_for(catalog, &t.dataset)?;
        let (_, files) = entry.files(t.version)?;
        let mut plan = FieldPlan::default();
        for c in t.columns() {
            plan.add(c, Form::Value, true);
        }
        let (table, infos) = read_parts(&files, &plan, &on_file)?;
        let columns: Vec<(&str, Option<&crate::model::table::ValueColumn>)> = t
            .columns()
            .into_iter()
            .map(|c| {
                let col = match table.column(c, Form::Value) {
                    Some(Column::Value(v)) => Some(v),
                    _ => None,
                };
                (c, col)
            })
            .collect();
        let rows: Vec<crate::model::config::TableRow> = (0..table.rows)
            .map(|r| {
                let cells = columns
                    .iter()
                    .map(|(name, col)| {
                        let v = col.map(|c| c.get(r)).filter(|v| !v.is_null()).map(|v| v.text());
                        (name.to_string(), v)
                    })
                    .collect();
                (r + 1, cells)
            })
            .collect();
        let currency = config.billing.currency.clone();
        match t.obs(&rows, &currency) {
            Ok(obs) => {
                if let Err(p) = config.add_table_obs(&t, obs) {
                    problems.extend(p);
                }
            }
            Err(p) => problems.extend(p),
        }
        files_read.extend(infos.into_iter().map(|i| (entry.name.clone(), i)));
    }
    if problems.is_empty() && !config.ob_tables.is_empty() {
        problems.extend(config.unknown_listed_obs());
        if config.obs.is_empty() {
            problems.push("no OB is configured: the OB tables have no rows and there is no [[ob]]".to_string());
        }
    }
    if !problems.is_empty() {
        return Err(ConfigError::Invalid {
            path: config.path.clone(),
            issues: problems
                .into_iter()
                .map(|message| crate::model::config::ConfigIssue {
                    line: 0,
                    message,
                    at: Some("[[ob_table]]".to_string()),
                })
                .collect(),
        }
        .into());
    }
    Ok(files_read)
}
