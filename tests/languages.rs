//! Invoices in the OB's language (`[[ob]] language`) and the issuer's own logo
//! (`[billing] logo`), read back from the workbooks.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures, as tests should
#![allow(clippy::disallowed_methods)] // tests, benches and tools read and write files freely

mod common;

use std::path::{Path, PathBuf};

use calamine::Reader;
use common::run;

fn sample_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-data")
}

/// A copy of the sample configuration in `dir` with BR in Portuguese, ES in Spanish and
/// `extra` appended to `[billing]`.
fn config(dir: &Path, billing_extra: &str) -> PathBuf {
    let text = std::fs::read_to_string(sample_dir().join("billing.toml")).unwrap();
    let text = text
        .replacen(
            "timezone = \"America/Sao_Paulo\"",
            "timezone = \"America/Sao_Paulo\"\nlanguage = \"pt-BR\"",
            1,
        )
        .replacen(
            "timezone = \"Europe/Madrid\"",
            "timezone = \"Europe/Madrid\"\nlanguage = \"es\"",
            1,
        )
        .replacen("[billing]\n", &format!("[billing]\n{billing_extra}"), 1);
    let path = dir.join("billing.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn column_a(path: &Path) -> Vec<String> {
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(path).unwrap();
    let sheet = wb.worksheet_range("Invoice").unwrap();
    sheet.rows().map(|r| r[0].to_string()).collect()
}

fn cell_b_of(path: &Path, label: &str) -> String {
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(path).unwrap();
    let sheet = wb.worksheet_range("Invoice").unwrap();
    sheet
        .rows()
        .find(|r| r[0] == label)
        .map(|r| r[1].to_string())
        .unwrap_or_default()
}

fn issue(config: &Path, ob: &str, out: &Path, extra: &[&str]) -> (i32, String) {
    let data = sample_dir();
    let register = out.parent().unwrap().join("register.sqlite");
    let mut args = vec![
        "issue",
        "--data",
        data.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--ob",
        ob,
        "--period",
        "2026-10",
        "--out",
        out.to_str().unwrap(),
        "--issue-date",
        "2026-11-05",
        "--register",
        register.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let (code, _, err) = run(&args);
    (code, err)
}

#[test]
fn invoices_and_credit_notes_speak_the_obs_language() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config(tmp.path(), "");
    let out = tmp.path().join("out");
    let (code, err) = issue(&cfg, "all", &out, &[]);
    assert_eq!(code, 0, "{err}");

    let br = out.join("AURA-BR-202610.xlsx");
    let a = column_a(&br);
    assert_eq!(a[0], "FATURA");
    for label in [
        "Número da fatura",
        "Razão social",
        "Período",
        "Data de emissão",
        "Emitente",
        "Item",
        "Subtotal",
        "Impostos",
        "Total",
    ] {
        assert!(a.contains(&label.to_string()), "{label} missing from {a:?}");
    }
    assert_eq!(cell_b_of(&br, "Total"), "Total a pagar em BRL");
    assert_eq!(cell_b_of(&br, "Número da fatura"), "AURA-BR-202610");
    // Codes stay codes: the Status value and the other sheets' names are not translated.
    assert_eq!(cell_b_of(&br, "Situação"), "Issued");
    let wb: calamine::Xlsx<_> = calamine::open_workbook(&br).unwrap();
    assert_eq!(wb.sheet_names()[1], "Breakdown");

    let es = out.join("AURA-ES-202610.xlsx");
    let a = column_a(&es);
    assert_eq!(a[0], "FACTURA");
    assert!(a.contains(&"Impuestos".to_string()), "{a:?}");
    assert_eq!(cell_b_of(&es, "Total"), "Total a pagar en EUR");
    assert_eq!(column_a(&out.join("AURA-DE-202610.xlsx"))[0], "INVOICE");

    // A changed price corrected: the Portuguese credit note.
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replacen("unit_price = \"0.0350\"", "unit_price = \"0.0360\"", 1);
    std::fs::write(&cfg, text).unwrap();
    let out2 = tmp.path().join("out2");
    let (code, err) = issue(&cfg, "BR", &out2, &["--correct"]);
    assert_eq!(code, 0, "{err}");
    let credit = out2.join("AURA-BR-202610-C1.xlsx");
    assert_eq!(column_a(&credit)[0], "NOTA DE CRÉDITO");
    assert_eq!(cell_b_of(&credit, "Número da nota de crédito"), "AURA-BR-202610-C1");
    assert_eq!(cell_b_of(&credit, "Total"), "Total creditado em BRL");
    assert_eq!(cell_b_of(&credit, "Situação"), "Credit note for AURA-BR-202610");
}

#[test]
fn the_issuers_logo_is_printed_and_a_bad_one_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let logo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/screenshot-history.png");
    std::fs::copy(&logo, tmp.path().join("our-logo.png")).unwrap();
    let cfg = config(tmp.path(), "logo = \"our-logo.png\"\n");
    let out = tmp.path().join("out");
    let (code, err) = issue(&cfg, "DE", &out, &[]);
    assert_eq!(code, 0, "{err}");
    // The workbook holds exactly the issuer's image (read with Python's zipfile).
    let script = "import zipfile,sys,hashlib\n\
                  z=zipfile.ZipFile(sys.argv[1])\n\
                  print(' '.join(sorted(hashlib.sha256(z.read(n)).hexdigest() for n in z.namelist() if n.startswith('xl/media/'))))\n";
    let listed = std::process::Command::new("python3")
        .args(["-c", script, out.join("AURA-DE-202610.xlsx").to_str().unwrap()])
        .output()
        .unwrap();
    assert!(listed.status.success(), "{}", String::from_utf8_lossy(&listed.stderr));
    let want = billing_workbench::import::sha256_bytes(&std::fs::read(&logo).unwrap());
    assert_eq!(String::from_utf8(listed.stdout).unwrap().trim(), want);

    std::fs::write(tmp.path().join("our-logo.png"), "not an image").unwrap();
    let (code, err) = issue(&cfg, "DE", &tmp.path().join("out-bad"), &[]);
    assert_eq!(code, 1);
    assert!(
        err.contains("[billing] logo") && err.contains("must be a PNG or JPEG"),
        "{err}"
    );
    // An unknown language is an error naming the OB.
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replacen("language = \"es\"", "language = \"fr\"", 1);
    std::fs::write(&cfg, text).unwrap();
    let (code, err) = issue(&cfg, "DE", &tmp.path().join("out-fr"), &[]);
    assert_eq!(code, 1);
    assert!(
        err.contains("OB ES: language \"fr\" is not one of en, es, pt-BR"),
        "{err}"
    );
}
