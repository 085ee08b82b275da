//! The register's tables (docs/register.md lists them) and their version. A register is
//! created on first use; one written by a newer version is refused, never altered. Every
//! table refuses UPDATE and DELETE by trigger: the product only ever appends.

use super::location::Dialect;
use super::{Backend, RegisterError, Statement, Value};

/// The schema this build writes and reads.
pub const SCHEMA_VERSION: i64 = 1;

/// Tables in creation order; `{ID}` is the dialect's auto-numbered key.
const TABLES: &[(&str, &str)] = &[
    ("register_meta", "key TEXT PRIMARY KEY, value TEXT NOT NULL"),
    (
        "documents",
        "seq {ID}, number TEXT NOT NULL UNIQUE, \
         kind TEXT NOT NULL CHECK (kind IN ('invoice', 'credit_note', 'correction')), \
         ob TEXT NOT NULL, legal_entity TEXT NOT NULL, period_label TEXT NOT NULL, \
         period_start TEXT NOT NULL, period_end TEXT NOT NULL, revision BIGINT NOT NULL, \
         currency TEXT NOT NULL, decimals BIGINT NOT NULL, issue_date TEXT NOT NULL, \
         replaces TEXT REFERENCES documents (number), \
         subtotal TEXT NOT NULL, tax TEXT NOT NULL, total TEXT NOT NULL, \
         timezone TEXT NOT NULL, tax_rate TEXT NOT NULL, config_sha256 TEXT NOT NULL, \
         workbook TEXT NOT NULL, workbook_sha256 TEXT NOT NULL, product_version TEXT NOT NULL, \
         issued_by TEXT NOT NULL, recorded_at TEXT NOT NULL, \
         UNIQUE (ob, period_start, period_end, kind, revision)",
    ),
    (
        "document_lines",
        "number TEXT NOT NULL REFERENCES documents (number), position BIGINT NOT NULL, \
         concept TEXT NOT NULL, description TEXT NOT NULL, kind TEXT NOT NULL, \
         quantity TEXT NOT NULL, unit TEXT NOT NULL, unit_price TEXT, amount TEXT NOT NULL, \
         PRIMARY KEY (number, position)",
    ),
    (
        "document_breakdown",
        "number TEXT NOT NULL REFERENCES documents (number), position BIGINT NOT NULL, \
         concept TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL, label TEXT NOT NULL, \
         quantity TEXT NOT NULL, amount TEXT NOT NULL, PRIMARY KEY (number, position)",
    ),
    (
        "document_daily",
        "number TEXT NOT NULL REFERENCES documents (number), position BIGINT NOT NULL, \
         meter TEXT NOT NULL, name TEXT NOT NULL, unit TEXT NOT NULL, dataset TEXT NOT NULL, day TEXT NOT NULL, \
         quantity TEXT NOT NULL, PRIMARY KEY (number, meter, day)",
    ),
    (
        "document_reconciliation",
        "number TEXT NOT NULL REFERENCES documents (number), dataset TEXT NOT NULL, \
         in_scope BIGINT NOT NULL, duplicates BIGINT NOT NULL, excluded BIGINT NOT NULL, \
         suspended BIGINT NOT NULL, rated BIGINT NOT NULL, PRIMARY KEY (number, dataset)",
    ),
    (
        "document_suspense",
        "number TEXT NOT NULL REFERENCES documents (number), code TEXT NOT NULL, \
         records BIGINT NOT NULL, PRIMARY KEY (number, code)",
    ),
    (
        "document_inputs",
        "number TEXT NOT NULL REFERENCES documents (number), position BIGINT NOT NULL, \
         dataset TEXT NOT NULL, path TEXT NOT NULL, bytes BIGINT NOT NULL, sha256 TEXT NOT NULL, \
         PRIMARY KEY (number, position)",
    ),
];

/// The statements that create the register (each one harmless when run twice).
fn creation(dialect: Dialect) -> Vec<Statement> {
    let mut out: Vec<Statement> = Vec::new();
    let id = match dialect {
        Dialect::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
        Dialect::Postgres => "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
    };
    if dialect == Dialect::Postgres {
        // Two first uses at once: the second waits for the first's tables.
        out.push(("SELECT pg_advisory_xact_lock(4242009)".to_string(), vec![]));
        out.push((
            "CREATE OR REPLACE FUNCTION register_append_only() RETURNS trigger LANGUAGE plpgsql AS \
             $f$ BEGIN RAISE EXCEPTION 'the register is append-only: % on % refused', TG_OP, TG_TABLE_NAME; END $f$"
                .to_string(),
            vec![],
        ));
    }
    for (table, columns) in TABLES {
        out.push((
            format!("CREATE TABLE IF NOT EXISTS {table} ({})", columns.replace("{ID}", id)),
            vec![],
        ));
        out.push((
            match dialect {
                Dialect::Sqlite => format!(
                    "CREATE TRIGGER IF NOT EXISTS {table}_append_only BEFORE UPDATE ON {table} \
                     BEGIN SELECT RAISE(ABORT, 'the register is append-only: UPDATE on {table} refused'); END"
                ),
                Dialect::Postgres => format!(
                    "CREATE OR REPLACE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} \
                     FOR EACH ROW EXECUTE FUNCTION register_append_only()"
                ),
            },
            vec![],
        ));
        if dialect == Dialect::Sqlite {
            out.push((
                format!(
                    "CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table} \
                     BEGIN SELECT RAISE(ABORT, 'the register is append-only: DELETE on {table} refused'); END"
                ),
                vec![],
            ));
        }
    }
    out.push((
        "INSERT INTO register_meta (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO NOTHING".to_string(),
        vec![Value::Text(SCHEMA_VERSION.to_string())],
    ));
    out
}

/// The version a register was written with, if it has been created.
fn version(backend: &mut dyn Backend, dialect: Dialect, location: &str) -> Result<Option<i64>, RegisterError> {
    let exists = match dialect {
        Dialect::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'register_meta'",
        Dialect::Postgres => {
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name = 'register_meta'"
        }
    };
    if backend.query(exists, &[])?.is_empty() {
        return Ok(None);
    }
    let rows = backend.query("SELECT value FROM register_meta WHERE key = 'schema_version'", &[])?;
    match rows.first().and_then(|r| r.first()) {
        Some(Value::Text(v)) => v.parse().map(Some).map_err(|_| RegisterError::Corrupt {
            location: location.to_string(),
            what: "register_meta.schema_version".to_string(),
            message: format!("\"{v}\" is not a version number"),
        }),
        _ => Ok(None),
    }
}

/// Creates the register on first use and checks its version.
pub(super) fn prepare(backend: &mut dyn Backend, dialect: Dialect, location: &str) -> Result<(), RegisterError> {
    let found = match version(backend, dialect, location)? {
        Some(v) => v,
        None => {
            backend.write(&creation(dialect))?;
            version(backend, dialect, location)?.unwrap_or(SCHEMA_VERSION)
        }
    };
    if found > SCHEMA_VERSION {
        return Err(RegisterError::NewerSchema {
            location: location.to_string(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(())
}
