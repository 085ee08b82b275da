//! The Spark hand-off (docs/databricks.md): `spark-job` writes a self-contained PySpark
//! program from the configuration. The program is one fixed Python file (`job.py`, kept
//! beside this module so that it can be read and linted as Python) with the configuration's
//! datasets, dimensions, OBs, meters and rules embedded as a JSON literal at its top, so a
//! data engineer reviews exactly what will run.

use serde_json::{Value, json};

use crate::model::Config;
use crate::model::config::{Condition, Literal};

/// The job's source, with placeholders for the configuration.
const TEMPLATE: &str = include_str!("job.py");

/// The PySpark program for `config`.
pub fn job(config: &Config) -> String {
    let text = serde_json::to_string_pretty(&config_json(config)).unwrap_or_default();
    TEMPLATE
        .replace("@PRODUCT_VERSION@", env!("CARGO_PKG_VERSION"))
        .replace("@CONFIG_SHA256@", &config.sha256)
        .replace("@CONFIG_FILE@", &python_string(&config.path.display().to_string()))
        .replace("@CONFIG_JSON@", &text.replace("\"\"\"", "\\u0022\\u0022\\u0022"))
}

/// Text safe inside a double-quoted Python string.
fn python_string(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

fn literal(l: &Literal) -> Value {
    match l {
        Literal::Bool(b) => json!({ "bool": b }),
        Literal::Number(n) => json!({ "number": n.to_string() }),
        Literal::Text(t) => json!({ "text": t }),
    }
}

fn conditions(cs: &[Condition]) -> Value {
    cs.iter()
        .map(|c| json!({ "field": c.field, "values": c.values.iter().map(literal).collect::<Vec<_>>() }))
        .collect()
}

/// What the job needs of the configuration: the record rules, never prices.
pub fn config_json(config: &Config) -> Value {
    let datasets: Vec<Value> = config
        .datasets
        .iter()
        .map(|d| {
            json!({
                "name": d.name,
                "id_field": d.id_field,
                "time_field": d.time_field,
                "ob_field": d.ob_field,
                "exclude": conditions(&d.exclude),
                "version": d.version,
            })
        })
        .collect();
    let dimensions: Vec<Value> = config
        .dimensions
        .iter()
        .map(|d| {
            json!({
                "field": d.field,
                "dataset": d.dataset,
                "key": d.key,
                "label": d.label,
                "required": d.required,
                "version": d.version,
            })
        })
        .collect();
    let obs: Vec<Value> = config
        .obs
        .iter()
        .map(|o| json!({ "code": o.code, "keys": o.keys, "timezone": o.timezone.name() }))
        .collect();
    let ob_tables: Vec<Value> = config
        .ob_tables
        .iter()
        .map(|t| {
            json!({
                "dataset": t.dataset,
                "version": t.version,
                "code": t.code,
                "keys": t.keys,
                "timezone": t.timezone.as_deref().unwrap_or("UTC"),
                "timezone_column": t.timezone_column,
            })
        })
        .collect();
    let meters: Vec<Value> = config
        .meters
        .iter()
        .map(|m| {
            let aggregation: &str = m.aggregation.into();
            json!({
                "code": m.code,
                "dataset": m.dataset,
                "aggregation": aggregation,
                "field": m.field,
                "where": conditions(&m.where_),
                "breakdown": m.breakdown,
            })
        })
        .collect();
    json!({
        "datasets": datasets,
        "dimensions": dimensions,
        "obs": obs,
        "ob_tables": ob_tables,
        "meters": meters,
        "uses_platform_cost": config.uses_platform_cost(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_job_embeds_the_rules_and_the_checksum() {
        let text = "[billing]\ncurrency = \"EUR\"\n[[dataset]]\nname = \"Events\"\nid_field = \"id\"\n\
                    time_field = \"ts\"\nob_field = \"ob\"\nexclude = { test = [true] }\n\
                    [[ob]]\ncode = \"BR\"\nname = \"B\"\nkeys = [\"BR\"]\ntimezone = \"America/Sao_Paulo\"\n\
                    [[meter]]\ncode = \"n\"\nname = \"N\"\ndataset = \"Events\"\naggregation = \"count\"\nunit = \"x\"\n";
        let config = Config::parse(text, std::path::Path::new("billing.toml")).expect("valid");
        let job = job(&config);
        assert!(job.contains(&format!("CONFIG_SHA256 = \"{}\"", config.sha256)));
        assert!(job.contains("\"timezone\": \"America/Sao_Paulo\""), "{job}");
        assert!(job.contains("\"bool\": true"));
        assert!(!job.contains("@CONFIG"));
        let start = job.find("r\"\"\"").map(|i| i + 4).unwrap_or(0);
        let end = job[start..].find("\"\"\"").map(|i| start + i).unwrap_or(start);
        let embedded: Value = serde_json::from_str(&job[start..end]).expect("the embedded configuration is JSON");
        assert_eq!(embedded["meters"][0]["aggregation"], "count");
    }
}
