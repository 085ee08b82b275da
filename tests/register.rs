//! Issuing and the register (docs/register.md) on the bundled sample data, through the command line:
//! issue, issue again, a changed price (differs), --correct (credit note and correction),
//! a second correction, `register list | show | export`, drafts against the register, and
//! the failures (unwritable output, locked, unreachable or newer register). The same suite
//! runs against SQLite always and against PostgreSQL when `BW_TEST_POSTGRES` names a server
//! (`.ci/run` starts one; see docs/register.md).

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures, as tests should
#![allow(clippy::disallowed_methods)] // tests, benches and tools read and write files freely

mod common;

use std::path::{Path, PathBuf};

use common::run;
use rust_decimal::Decimal;
use serde_json::Value;

fn sample_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-data")
}

/// A configuration copy in `dir` with VOICE's first tier at `price` (the sample's is 0.0400).
fn config_with_voice_price(dir: &Path, name: &str, price: &str) -> PathBuf {
    let text = std::fs::read_to_string(sample_dir().join("billing.toml")).unwrap();
    let needle = "tiers = [ { up_to = \"2000\", unit_price = \"0.0400\" },";
    assert!(text.contains(needle), "the sample's VOICE tiers moved");
    let path = dir.join(name);
    std::fs::write(&path, text.replace(needle, &needle.replace("0.0400", price))).unwrap();
    path
}

struct Case {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    register: String,
}

impl Case {
    fn issue(&self, config: &Path, ob: &str, out: &str, date: &str, extra: &[&str]) -> (i32, Value, String) {
        let data = sample_dir();
        let out = self.dir.join(out);
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
            date,
            "--register",
            &self.register,
            "--json",
        ];
        args.extend_from_slice(extra);
        let (code, stdout, stderr) = run(&args);
        let doc = serde_json::from_str(&stdout).unwrap_or(Value::Null);
        (code, doc, stderr)
    }

    fn register(&self, args: &[&str]) -> (i32, String, String) {
        let mut all = vec!["register"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--register", &self.register]);
        run(&all)
    }

    fn list(&self, ob: Option<&str>) -> Vec<Value> {
        let mut args = vec!["list", "--json"];
        if let Some(ob) = ob {
            args.extend_from_slice(&["--ob", ob]);
        }
        let (code, out, err) = self.register(&args);
        assert_eq!(code, 0, "{err}");
        let doc: Value = serde_json::from_str(&out).unwrap();
        doc["documents"].as_array().unwrap().clone()
    }

    fn show(&self, number: &str) -> Value {
        let (code, out, err) = self.register(&["show", number, "--json"]);
        assert_eq!(code, 0, "{err}");
        serde_json::from_str(&out).unwrap()
    }

    fn files(&self, out: &str) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dir.join(out))
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }
}

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("not a decimal string: {v}"))
        .parse()
        .unwrap()
}

fn actions(doc: &Value) -> Vec<(String, String)> {
    doc["issued"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["ob"].as_str().unwrap().to_string(),
                o["action"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The whole month-end story against one register.
fn month_end_suite(case: &Case) {
    let config = sample_dir().join("billing.toml");
    // 1. October for all OBs: every OB issued, one workbook each.
    let (code, doc, err) = case.issue(&config, "all", "first", "2026-11-05", &[]);
    assert_eq!(code, 0, "{err}");
    let acts = actions(&doc);
    assert_eq!(acts.len(), 8, "{doc}");
    assert!(acts.iter().all(|(_, a)| a == "issued"), "{doc}");
    assert_eq!(case.files("first").len(), 8);
    assert!(case.files("first").contains(&"AURA-ES-202610.xlsx".to_string()));
    let docs = case.list(None);
    assert_eq!(docs.len(), 8);
    let es = case.show("AURA-ES-202610");
    assert_eq!(es["kind"], "invoice");
    let es_total = dec(&es["total"]);

    // 2. Again: all unchanged, nothing written.
    let (code, doc, err) = case.issue(&config, "all", "again", "2026-11-06", &[]);
    assert_eq!(code, 0, "{err}");
    assert!(actions(&doc).iter().all(|(_, a)| a == "unchanged"), "{doc}");
    assert!(case.files("again").is_empty(), "{:?}", case.files("again"));
    assert_eq!(case.list(None).len(), 8);

    // 3. A changed price: ES differs, exit 1, nothing written, the change listed.
    let changed = config_with_voice_price(&case.dir, "changed.toml", "0.0410");
    let (code, doc, _) = case.issue(&changed, "ES", "changed", "2026-11-20", &[]);
    assert_eq!(code, 1);
    assert_eq!(actions(&doc), vec![("ES".to_string(), "differs".to_string())]);
    let changes = doc["issued"][0]["changes"].as_array().unwrap();
    let voice = changes.iter().find(|c| c["concept"] == "VOICE").unwrap();
    assert_ne!(voice["issued"], voice["now"]);
    let total = changes.iter().find(|c| c["concept"] == "total").unwrap();
    assert_eq!(dec(&total["issued"]), es_total);
    assert!(case.files("changed").is_empty());
    assert_eq!(case.list(Some("ES")).len(), 1);

    // 4. --correct: a credit note negating the original, and a correction equal to the draft.
    let (code, doc, err) = case.issue(&changed, "ES", "changed", "2026-11-20", &["--correct"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(doc["issued"][0]["action"], "corrected");
    assert_eq!(
        doc["issued"][0]["documents"],
        serde_json::json!(["AURA-ES-202610-C1", "AURA-ES-202610-R1"])
    );
    assert_eq!(
        case.files("changed"),
        vec![
            "AURA-ES-202610-C1.xlsx".to_string(),
            "AURA-ES-202610-R1.xlsx".to_string()
        ]
    );
    let credit = case.show("AURA-ES-202610-C1");
    assert_eq!(credit["kind"], "credit_note");
    assert_eq!(credit["replaces"], "AURA-ES-202610");
    assert_eq!(dec(&credit["total"]), -es_total);
    let (orig_lines, credit_lines) = (es["lines"].as_array().unwrap(), credit["lines"].as_array().unwrap());
    assert_eq!(orig_lines.len(), credit_lines.len());
    for (o, c) in orig_lines.iter().zip(credit_lines) {
        assert_eq!(o["concept"], c["concept"]);
        assert_eq!(dec(&c["amount"]), -dec(&o["amount"]), "{c}");
        assert_eq!(dec(&c["quantity"]), -dec(&o["quantity"]), "{c}");
    }
    let draft = {
        let (code, d, err) = common::invoice_json(&sample_dir(), &changed, "2026-10");
        assert_eq!(code, 0, "{err}");
        d["invoices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["ob"] == "ES")
            .unwrap()
            .clone()
    };
    let correction = case.show("AURA-ES-202610-R1");
    assert_eq!(correction["kind"], "correction");
    assert_eq!(correction["replaces"], "AURA-ES-202610");
    assert_eq!(correction["total"], draft["total"]);
    let pairs = |v: &Value| -> Vec<(String, String)> {
        v["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["concept"].as_str().unwrap().to_string(),
                    l["amount"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(pairs(&correction), pairs(&draft));
    let es_docs = case.list(Some("ES"));
    let numbers: Vec<&str> = es_docs.iter().map(|d| d["number"].as_str().unwrap()).collect();
    assert_eq!(numbers, ["AURA-ES-202610", "AURA-ES-202610-C1", "AURA-ES-202610-R1"]);

    // The same changed inputs again: the correction is in force, so unchanged.
    let (code, doc, _) = case.issue(&changed, "ES", "changed-again", "2026-11-21", &["--correct"]);
    assert_eq!(code, 0);
    assert_eq!(doc["issued"][0]["action"], "unchanged");

    // 5. A third version: -C2 cancels -R1, -R2 replaces it.
    let third = config_with_voice_price(&case.dir, "third.toml", "0.0420");
    let (code, doc, err) = case.issue(&third, "ES", "third", "2026-11-25", &["--correct"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        doc["issued"][0]["documents"],
        serde_json::json!(["AURA-ES-202610-C2", "AURA-ES-202610-R2"])
    );
    assert_eq!(case.show("AURA-ES-202610-C2")["replaces"], "AURA-ES-202610-R1");
    assert_eq!(
        dec(&case.show("AURA-ES-202610-C2")["total"]),
        -dec(&correction["total"])
    );
    assert_eq!(case.list(None).len(), 12);

    // 6. The export workbook: Documents, Lines and History.
    let export = case.dir.join("register.xlsx");
    let (code, _, err) = case.register(&["export", "--out", export.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&export).unwrap();
    assert_eq!(wb.sheet_names(), ["Documents", "Lines", "History"]);
    let documents = wb.worksheet_range("Documents").unwrap();
    assert_eq!(documents.height(), 13, "a header and 12 documents");
    assert_eq!(documents.get_value((0, 9)).unwrap().to_string(), "Replaces");
    let history = wb.worksheet_range("History").unwrap();
    assert_eq!(history.get_value((0, 3)).unwrap().to_string(), "2026-10");
    // ES's VOICE in force is R2's.
    let r2 = case.show("AURA-ES-202610-R2");
    let r2_voice = r2["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["concept"] == "VOICE")
        .unwrap();
    let row = history.rows().find(|r| r[0] == "ES" && r[2] == "VOICE").unwrap();
    assert_eq!(row[3].to_string(), dec(&r2_voice["amount"]).normalize().to_string());

    // 7. The credit note's workbook: its title, status and negative amounts.
    let mut c1: calamine::Xlsx<_> = calamine::open_workbook(case.dir.join("changed/AURA-ES-202610-C1.xlsx")).unwrap();
    let sheet = c1.worksheet_range("Invoice").unwrap();
    assert_eq!(sheet.get_value((0, 0)).unwrap().to_string(), "CREDIT NOTE");
    let status = sheet.rows().find(|r| r[0] == "Status").unwrap();
    assert_eq!(status[1].to_string(), "Credit note for AURA-ES-202610");
    let total_row = sheet.rows().find(|r| r[0] == "Total").unwrap();
    assert_eq!(total_row[5].to_string(), (-es_total).to_string());
}

fn sqlite_case() -> Case {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    Case {
        register: dir.join("billing-register.sqlite").to_str().unwrap().to_string(),
        dir,
        _tmp: tmp,
    }
}

#[test]
fn month_end_on_sqlite_and_read_back_by_python() {
    let case = sqlite_case();
    month_end_suite(&case);
    // An independent reader: Python's sqlite3.
    let script = "import sqlite3,sys\n\
                  c=sqlite3.connect(sys.argv[1])\n\
                  print(c.execute(\"select count(*) from documents\").fetchone()[0])\n\
                  print(c.execute(\"select total from documents where number='AURA-ES-202610-C1'\").fetchone()[0])\n\
                  print(c.execute(\"select value from register_meta where key='schema_version'\").fetchone()[0])\n\
                  print(c.execute(\"select count(*) from document_lines where number='AURA-ES-202610'\").fetchone()[0])\n";
    let out = std::process::Command::new("python3")
        .args(["-c", script, &case.register])
        .output()
        .expect("python3 runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "12");
    assert_eq!(lines[1], "-8311.74");
    assert_eq!(lines[2], "1");
    assert!(lines[3].parse::<u32>().unwrap() >= 5, "{text}");
    // Append-only: the database itself refuses changes.
    let conn = rusqlite::Connection::open(&case.register).unwrap();
    let err = conn
        .execute("UPDATE documents SET total = '0' WHERE number = 'AURA-ES-202610'", [])
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    assert!(conn.execute("DELETE FROM document_lines", []).is_err());
}

#[test]
fn a_draft_of_an_issued_period_says_how_it_compares() {
    let case = sqlite_case();
    let config_dir = case.dir.join("cfg");
    std::fs::create_dir_all(&config_dir).unwrap();
    let config = config_dir.join("billing.toml");
    std::fs::copy(sample_dir().join("billing.toml"), &config).unwrap();
    let data = sample_dir();
    let draft = |out: &Path, config: &Path| {
        let (code, _, err) = run(&[
            "invoice",
            "--data",
            data.to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
            "--ob",
            "ES",
            "--period",
            "2026-10",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
        let mut wb: calamine::Xlsx<_> = calamine::open_workbook(out.join("AURA-ES-202610.xlsx")).unwrap();
        use calamine::Reader;
        let sheet = wb.worksheet_range("Invoice").unwrap();
        let status = sheet.rows().find(|r| r[0] == "Status").unwrap()[1].to_string();
        let note = sheet
            .rows()
            .map(|r| r[0].to_string())
            .find(|t| t.starts_with("This draft"));
        (status, note, err)
    };
    // No register yet: a plain draft, and none is created.
    let (status, note, _) = draft(&case.dir.join("d1"), &config);
    assert_eq!(status, "Draft");
    assert_eq!(note, None);
    assert!(!config_dir.join("billing-register.sqlite").exists());
    // Issued through the register beside the configuration (the default location).
    let (code, _, err) = run(&[
        "issue",
        "--data",
        data.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--ob",
        "ES",
        "--period",
        "2026-10",
        "--out",
        case.dir.join("issued").to_str().unwrap(),
        "--issue-date",
        "2026-11-05",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(config_dir.join("billing-register.sqlite").exists());
    let (status, note, _) = draft(&case.dir.join("d2"), &config);
    assert_eq!(status, "Draft");
    assert_eq!(
        note.as_deref(),
        Some("This draft equals AURA-ES-202610 issued on 2026-11-05.")
    );
    // A changed price: the draft says by how much its total differs.
    let changed = config_with_voice_price(&config_dir, "billing-changed.toml", "0.0410");
    let (_, note, err) = draft(&case.dir.join("d3"), &changed);
    let note = note.unwrap();
    assert!(note.starts_with("This draft differs from AURA-ES-202610"), "{note}");
    assert!(note.contains("+ 2.42"), "{note}");
    assert!(err.contains("differs from AURA-ES-202610"), "{err}");
}

#[test]
fn two_processes_issuing_one_ob_and_period_record_it_once_on_sqlite() {
    two_processes_at_once(&sqlite_case());
}

/// Two `issue` runs at once into different folders: one issues, the other finds its record.
fn two_processes_at_once(case: &Case) {
    let bin = env!("CARGO_BIN_EXE_billing-workbench");
    let data = sample_dir();
    let config = data.join("billing.toml");
    let spawn = |out: &str| {
        std::process::Command::new(bin)
            .args([
                "issue",
                "--data",
                data.to_str().unwrap(),
                "--config",
                config.to_str().unwrap(),
            ])
            .args([
                "--ob",
                "GB",
                "--period",
                "2026-10",
                "--issue-date",
                "2026-11-05",
                "--json",
            ])
            .args([
                "--out",
                case.dir.join(out).to_str().unwrap(),
                "--register",
                &case.register,
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn("a"), spawn("b"));
    let mut actions_seen = Vec::new();
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        actions_seen.push(doc["issued"][0]["action"].as_str().unwrap().to_string());
    }
    actions_seen.sort();
    assert_eq!(actions_seen, ["issued", "unchanged"]);
    assert_eq!(case.list(Some("GB")).len(), 1);
    let files = case.files("a").len() + case.files("b").len();
    assert_eq!(files, 1, "only the recorded document has a file");
}

#[test]
fn an_unwritable_output_folder_records_nothing() {
    let case = sqlite_case();
    // A regular file where the output folder should be: no workbook can be written.
    let blocker = case.dir.join("blocked");
    std::fs::write(&blocker, "not a folder").unwrap();
    let (code, doc, err) = case.issue(
        &sample_dir().join("billing.toml"),
        "ES",
        "blocked/out",
        "2026-11-05",
        &[],
    );
    assert_eq!(code, 1);
    assert_eq!(doc["errors"][0]["ob"], "ES", "{doc} {err}");
    assert!(case.list(None).is_empty(), "nothing recorded");
}

#[test]
fn an_existing_file_under_the_final_name_is_not_overwritten_nor_recorded() {
    let case = sqlite_case();
    let out = case.dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("AURA-ES-202610.xlsx"), "someone else's file").unwrap();
    let (code, doc, _) = case.issue(&sample_dir().join("billing.toml"), "ES", "out", "2026-11-05", &[]);
    assert_eq!(code, 1);
    assert!(
        doc["errors"][0]["message"].as_str().unwrap().contains("already exists"),
        "{doc}"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("AURA-ES-202610.xlsx")).unwrap(),
        "someone else's file"
    );
    assert!(case.list(None).is_empty());
}

#[test]
fn a_locked_register_leaves_no_file_and_no_record() {
    let case = sqlite_case();
    // Create the register, then hold its write lock from another connection.
    let (code, _, err) = case.issue(&sample_dir().join("billing.toml"), "GB", "first", "2026-11-05", &[]);
    assert_eq!(code, 0, "{err}");
    let conn = rusqlite::Connection::open(&case.register).unwrap();
    conn.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let (code, doc, err) = case.issue(&sample_dir().join("billing.toml"), "ES", "second", "2026-11-05", &[]);
    conn.execute_batch("ROLLBACK").unwrap();
    assert_eq!(code, 1, "{err}");
    let message = doc["errors"][0]["message"].as_str().unwrap_or(&err).to_string();
    assert!(message.contains("locked"), "{message}");
    assert!(
        case.files("second").is_empty(),
        "the written file was removed: {:?}",
        case.files("second")
    );
    assert_eq!(case.list(None).len(), 1);
}

#[test]
fn a_register_from_a_newer_version_is_refused_and_left_alone() {
    let case = sqlite_case();
    {
        let conn = rusqlite::Connection::open(&case.register).unwrap();
        conn.execute_batch(
            "CREATE TABLE register_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             INSERT INTO register_meta VALUES ('schema_version', '7');",
        )
        .unwrap();
    }
    let before = std::fs::read(&case.register).unwrap();
    let (code, _, err) = case.issue(&sample_dir().join("billing.toml"), "ES", "out", "2026-11-05", &[]);
    assert_eq!(code, 1);
    assert!(err.contains("newer Billing Workbench (schema 7"), "{err}");
    assert!(case.files("out").is_empty());
    assert_eq!(std::fs::read(&case.register).unwrap(), before, "not altered");
    let (code, _, err) = case.register(&["list"]);
    assert_eq!(code, 1);
    assert!(err.contains("schema 7"), "{err}");
}

#[test]
fn an_unreachable_postgres_register_is_a_clear_error_before_anything_is_written() {
    let case = sqlite_case();
    let (code, _, err) = run(&[
        "issue",
        "--data",
        sample_dir().to_str().unwrap(),
        "--config",
        sample_dir().join("billing.toml").to_str().unwrap(),
        "--ob",
        "ES",
        "--period",
        "2026-10",
        "--out",
        case.dir.join("out").to_str().unwrap(),
        "--register",
        "postgres://billing@127.0.0.1:9/register?connect_timeout=2",
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("register postgres://billing@127.0.0.1:9/register"),
        "{err}"
    );
    assert!(err.contains("cannot connect"), "{err}");
    assert!(case.files("out").is_empty());
    // A password in the URL is refused and never repeated.
    let (code, _, err) = case.register(&["list", "--register", "postgres://billing:hunter2@db/register"]);
    assert_ne!(code, 0);
    assert!(!err.contains("hunter2"), "{err}");
}

/// A fresh database on the test server of `BW_TEST_POSTGRES` (a URL of a database the
/// user may create databases from), or `None` when no server is configured. Under CI a
/// missing server is a failure, not a skip.
fn postgres_case(tag: &str) -> Option<Case> {
    let Ok(base) = std::env::var("BW_TEST_POSTGRES") else {
        assert!(
            std::env::var("CI").is_err(),
            "CI must run the PostgreSQL suite: .ci/run sets BW_TEST_POSTGRES"
        );
        eprintln!("skipped: set BW_TEST_POSTGRES (see docs/register.md) to run the PostgreSQL suite");
        return None;
    };
    let name = format!("bw_test_{tag}_{}", std::process::id());
    let mut admin = postgres::Client::connect(&base, postgres::NoTls).unwrap();
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).unwrap();
    admin.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
    let (prefix, _) = base.rsplit_once('/').unwrap();
    let tmp = tempfile::tempdir().unwrap();
    Some(Case {
        dir: tmp.path().to_path_buf(),
        _tmp: tmp,
        register: format!("{prefix}/{name}"),
    })
}

#[test]
fn month_end_on_postgres() {
    if let Some(case) = postgres_case("suite") {
        month_end_suite(&case);
        // Append-only in the database itself, as on SQLite.
        let mut client = postgres::Client::connect(&case.register, postgres::NoTls).unwrap();
        let err = client
            .batch_execute("UPDATE documents SET total = '0' WHERE number = 'AURA-ES-202610'")
            .unwrap_err();
        assert!(format!("{err:?}").contains("append-only"), "{err:?}");
    }
}

#[test]
fn two_processes_issuing_one_ob_and_period_record_it_once_on_postgres() {
    if let Some(case) = postgres_case("race") {
        two_processes_at_once(&case);
    }
}

/// A 16 KB filesystem (tmpfs), unmounted when dropped; `None` where mounting is not
/// allowed (not root), and then the test says it was skipped.
struct TinyFs {
    dir: tempfile::TempDir,
}

impl TinyFs {
    fn mount() -> Option<TinyFs> {
        let dir = tempfile::tempdir().ok()?;
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=16k", "tmpfs", dir.path().to_str()?])
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(TinyFs { dir })
    }
}

impl Drop for TinyFs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(self.dir.path()).status();
    }
}

#[test]
fn a_full_disk_while_writing_the_workbook_records_nothing_and_leaves_no_file() {
    let Some(fs) = TinyFs::mount() else {
        eprintln!("skipped: mounting a small tmpfs needs root");
        return;
    };
    let case = sqlite_case();
    let out = fs.dir.path().join("invoices");
    let (code, _, err) = run(&[
        "issue",
        "--data",
        sample_dir().to_str().unwrap(),
        "--config",
        sample_dir().join("billing.toml").to_str().unwrap(),
        "--ob",
        "ES",
        "--period",
        "2026-10",
        "--out",
        out.to_str().unwrap(),
        "--register",
        &case.register,
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("cannot write") && err.contains("AURA-ES-202610.xlsx"),
        "{err}"
    );
    let left: Vec<_> = std::fs::read_dir(&out)
        .map(|d| d.flatten().collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "no workbook and no temporary file: {left:?}");
    assert!(case.list(None).is_empty(), "nothing recorded");
}
