//! OBs from a table (`[[ob_table]]`): the sample's OBs declared as rows of a license-server
//! table invoice exactly as the `[[ob]]` entries do; an `[[ob]]` replaces its row; a broken
//! row is an error naming the dataset and the row.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures, as tests should
#![allow(clippy::disallowed_methods)] // tests, benches and tools read and write files freely

mod common;

use std::path::{Path, PathBuf};

use common::run;

fn sample_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-data")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// The sample's OBs as rows of `D_License_Server.csv` (one key per row; ES twice, with
/// a second key), and a configuration that keeps only `keep` of its `[[ob]]` entries.
fn table_case(keep: &[&str], rows_edit: impl Fn(String) -> String) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_dir(&sample_dir(), &data);
    let text = std::fs::read_to_string(sample_dir().join("billing.toml")).unwrap();
    let mut doc: toml::Table = toml::from_str(&text).unwrap();
    let obs = doc["ob"].as_array().unwrap().clone();
    let mut csv = String::from("t_code,customer_name,license_server_id,currency,timezone,tax_rate,start,end\n");
    for o in &obs {
        let o = o.as_table().unwrap();
        let s = |k: &str| {
            o.get(k)
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                .unwrap_or_default()
        };
        let key = o["keys"].as_array().unwrap()[0].as_str().unwrap().to_string();
        csv.push_str(&format!(
            "{},\"{}\",{},{},{},{},{},{}\n",
            s("code"),
            s("name"),
            key,
            s("currency"),
            s("timezone"),
            s("tax_rate"),
            s("contract_start"),
            s("contract_end")
        ));
    }
    // A second key of ES that no record uses: rows sharing a code add keys.
    csv.push_str("ES,\"Telefonica de Espana S.A.U.\",ES-2,EUR,Europe/Madrid,0.21,2025-01-01,\n");
    std::fs::write(data.join("D_License_Server.csv"), rows_edit(csv)).unwrap();
    doc.insert(
        "ob".into(),
        toml::Value::Array(
            obs.into_iter()
                .filter(|o| keep.contains(&o["code"].as_str().unwrap()))
                .collect(),
        ),
    );
    let table: toml::Table = toml::from_str(
        r#"
dataset = "D_License_Server"
code = "t_code"
name = "customer_name"
keys = "license_server_id"
currency_column = "currency"
timezone_column = "timezone"
tax_rate_column = "tax_rate"
contract_start_column = "start"
contract_end_column = "end"
"#,
    )
    .unwrap();
    doc.insert("ob_table".into(), toml::Value::Array(vec![toml::Value::Table(table)]));
    std::fs::write(data.join("billing.toml"), toml::to_string(&doc).unwrap()).unwrap();
    (tmp, data)
}

fn invoice(data: &Path) -> (i32, String, String) {
    run(&[
        "invoice",
        "--data",
        data.to_str().unwrap(),
        "--config",
        data.join("billing.toml").to_str().unwrap(),
        "--ob",
        "all",
        "--period",
        "2026-10",
        "--json",
    ])
}

fn invoices(json: &str) -> serde_json::Value {
    let doc: serde_json::Value = serde_json::from_str(json).unwrap();
    doc["invoices"].clone()
}

#[test]
fn table_obs_invoice_exactly_like_ob_entries_and_an_ob_replaces_its_row() {
    let (code, expected, err) = invoice(&sample_dir());
    assert_eq!(code, 0, "{err}");
    // Every OB from the table except ES, which an [[ob]] replaces (same figures here).
    let (_tmp, data) = table_case(&["ES"], |csv| {
        csv.replacen(",Europe/Madrid,0.21,", ",Europe/Madrid,0.99,", 1)
    });
    let (code, got, err) = invoice(&data);
    assert_eq!(code, 0, "{err}");
    assert_eq!(invoices(&got), invoices(&expected));
    // The table file is listed among the inputs read (Run info).
    let (code, out, err) = run(&[
        "check",
        "--data",
        data.to_str().unwrap(),
        "--config",
        data.join("billing.toml").to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}\n{out}");
    assert!(out.contains("D_License_Server"), "{out}");
}

#[test]
fn a_broken_row_names_the_dataset_and_the_row() {
    // Row 3 (BR) with a misspelt time zone.
    let (_tmp, data) = table_case(&[], |csv| csv.replacen("America/Sao_Paulo", "America/Sao_Paolo", 1));
    let (code, _, err) = invoice(&data);
    assert_eq!(code, 1);
    assert!(
        err.contains("D_License_Server row 2: timezone \"America/Sao_Paolo\""),
        "{err}"
    );
    // A key that two OBs claim.
    let (_tmp, data) = table_case(&[], |csv| csv.replacen(",ES-2,", ",BR,", 1));
    let (code, _, err) = invoice(&data);
    assert_eq!(code, 1);
    assert!(err.contains("key \"BR\" already belongs to OB BR"), "{err}");
    // A currency that is not a code.
    let (_tmp, data) = table_case(&[], |csv| csv.replacen(",GBP,", ",pounds,", 1));
    let (code, _, err) = invoice(&data);
    assert_eq!(code, 1);
    assert!(err.contains("currency \"pounds\""), "{err}");
}
