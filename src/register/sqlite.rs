//! The register in a SQLite file (rusqlite with its bundled SQLite: no system library).

use std::path::Path;
use std::time::Duration;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, ErrorCode, TransactionBehavior};

use super::{Backend, RegisterError, Statement, Value};

/// How long a write waits for another process's transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

pub(super) struct SqliteBackend {
    conn: Connection,
    location: String,
}

impl SqliteBackend {
    pub(super) fn open(path: &Path, location: &str) -> Result<SqliteBackend, RegisterError> {
        let open_error = |e: rusqlite::Error| RegisterError::Open {
            location: location.to_string(),
            message: e.to_string(),
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
            && !dir.is_dir()
        {
            return Err(RegisterError::Open {
                location: location.to_string(),
                message: format!("folder {} does not exist", dir.display()),
            });
        }
        let conn = Connection::open(path).map_err(open_error)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_error)?;
        // Foreign keys hold lines to their document; the rollback journal keeps a
        // register one file that can be copied, mailed or archived as is.
        conn.execute_batch("PRAGMA foreign_keys = ON").map_err(open_error)?;
        Ok(SqliteBackend {
            conn,
            location: location.to_string(),
        })
    }

    fn error(&self, e: rusqlite::Error) -> RegisterError {
        let location = self.location.clone();
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => RegisterError::Locked { location },
            Some(ErrorCode::ConstraintViolation) if e.to_string().contains("UNIQUE") => RegisterError::Conflict {
                location,
                number: String::new(),
            },
            Some(ErrorCode::NotADatabase) => RegisterError::Open {
                location,
                message: "not a SQLite register".to_string(),
            },
            _ => RegisterError::Database {
                location,
                message: e.to_string(),
            },
        }
    }
}

fn bind(params: &[Value]) -> Vec<rusqlite::types::Value> {
    params
        .iter()
        .map(|v| match v {
            Value::Null => rusqlite::types::Value::Null,
            Value::Int(i) => rusqlite::types::Value::Integer(*i),
            Value::Text(s) => rusqlite::types::Value::Text(s.clone()),
        })
        .collect()
}

impl Backend for SqliteBackend {
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, RegisterError> {
        let mut stmt = self.conn.prepare(sql).map_err(|e| self.error(e))?;
        let columns = stmt.column_count();
        let rows = stmt
            .query_map(rusqlite::params_from_iter(bind(params)), |row| {
                (0..columns)
                    .map(|i| {
                        Ok(match row.get_ref(i)? {
                            ValueRef::Null => Value::Null,
                            ValueRef::Integer(n) => Value::Int(n),
                            ValueRef::Real(f) => Value::Text(f.to_string()),
                            ValueRef::Text(t) | ValueRef::Blob(t) => {
                                Value::Text(String::from_utf8_lossy(t).into_owned())
                            }
                        })
                    })
                    .collect::<Result<Vec<_>, rusqlite::Error>>()
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>());
        drop(stmt);
        rows.map_err(|e| self.error(e))
    }

    fn write(&mut self, statements: &[Statement]) -> Result<(), RegisterError> {
        let result = (|| {
            // IMMEDIATE: take the write lock first, so two writers queue instead of failing
            // halfway.
            let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            for (sql, params) in statements {
                tx.execute(sql, rusqlite::params_from_iter(bind(params)))?;
            }
            tx.commit()
        })();
        result.map_err(|e| self.error(e))
    }
}
