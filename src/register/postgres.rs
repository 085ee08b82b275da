//! The register in a shared PostgreSQL database, through the `postgres` client. The URL
//! carries no password: as libpq does, it comes from `PGPASSWORD`, else from `~/.pgpass`
//! (or `PGPASSFILE`); `PGSSLMODE` applies when the URL has no `sslmode`. TLS is used when
//! the server offers it (`prefer`, the default) and insisted on with `sslmode=require`;
//! like libpq in those modes, the server's certificate is not verified.

use std::str::FromStr;
use std::time::Duration;

use postgres::config::SslMode;
use postgres::error::SqlState;
use postgres::types::{ToSql, Type};
use postgres::{Client, Config};

use super::{Backend, RegisterError, Statement, Value};

pub(super) struct PostgresBackend {
    client: Client,
    location: String,
}

impl PostgresBackend {
    pub(super) fn connect(url: &str, location: &str) -> Result<PostgresBackend, RegisterError> {
        let open = |message: String| RegisterError::Open {
            location: location.to_string(),
            message,
        };
        let mut config = Config::from_str(url).map_err(|e| open(format!("not a PostgreSQL URL: {e}")))?;
        if config.get_user().is_none() {
            let user = std::env::var("PGUSER").unwrap_or_else(|_| crate::host::user());
            config.user(&user);
        }
        if !url.contains("sslmode=")
            && let Ok(mode) = std::env::var("PGSSLMODE")
        {
            config.ssl_mode(match mode.as_str() {
                "disable" => SslMode::Disable,
                "allow" | "prefer" => SslMode::Prefer,
                "require" => SslMode::Require,
                other => {
                    return Err(open(format!(
                        "PGSSLMODE={other} is not supported (disable, prefer or require)"
                    )));
                }
            });
        }
        if config.get_password().is_none()
            && let Some(password) = password_for(&config)
        {
            config.password(password);
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        let tls = native_tls::TlsConnector::builder()
            .danger_accept_invalid_certs(true)
            .danger_accept_invalid_hostnames(true)
            .build()
            .map_err(|e| open(format!("cannot set up TLS: {e}")))?;
        let client = config
            .connect(postgres_native_tls::MakeTlsConnector::new(tls))
            .map_err(|e| open(format!("cannot connect: {e}")))?;
        Ok(PostgresBackend {
            client,
            location: location.to_string(),
        })
    }

    fn error(&self, e: &postgres::Error) -> RegisterError {
        let location = self.location.clone();
        match e.code() {
            Some(c) if *c == SqlState::UNIQUE_VIOLATION => RegisterError::Conflict {
                location,
                number: String::new(),
            },
            Some(c) if *c == SqlState::LOCK_NOT_AVAILABLE => RegisterError::Locked { location },
            _ if e.is_closed() => RegisterError::Open {
                location,
                message: format!("the connection was lost: {e}"),
            },
            _ => RegisterError::Database {
                location,
                message: e
                    .as_db_error()
                    .map_or_else(|| e.to_string(), |d| d.message().to_string()),
            },
        }
    }
}

/// The password libpq would use: `PGPASSWORD`, else the first matching `~/.pgpass` line.
fn password_for(config: &Config) -> Option<String> {
    if let Ok(p) = std::env::var("PGPASSWORD") {
        return Some(p);
    }
    let file = std::env::var_os("PGPASSFILE")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".pgpass")))?;
    #[allow(clippy::disallowed_methods)] // the client reads the user's password file, as libpq does
    let text = std::fs::read_to_string(file).ok()?;
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(postgres::config::Host::Unix(_)) | None => "localhost".to_string(),
        #[cfg(not(unix))]
        None => "localhost".to_string(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432).to_string();
    let db = config.get_dbname().or(config.get_user()).unwrap_or("").to_string();
    let user = config.get_user().unwrap_or("").to_string();
    pgpass_lookup(&text, [&host, &port, &db, &user])
}

/// Finds the password for host, port, database and user in a `.pgpass` text (`*` matches
/// anything; `\:` and `\\` are escapes).
fn pgpass_lookup(text: &str, want: [&str; 4]) -> Option<String> {
    for line in text.lines() {
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut fields = vec![String::new()];
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    if let Some(n) = chars.next() {
                        fields.last_mut()?.push(n);
                    }
                }
                ':' if fields.len() < 5 => fields.push(String::new()),
                c => fields.last_mut()?.push(c),
            }
        }
        if fields.len() == 5 && fields[..4].iter().zip(want).all(|(f, w)| f == "*" || f == w) {
            return fields.pop();
        }
    }
    None
}

fn bind(params: &[Value]) -> Vec<Box<dyn ToSql + Sync>> {
    params
        .iter()
        .map(|v| -> Box<dyn ToSql + Sync> {
            match v {
                Value::Null => Box::new(Option::<String>::None),
                Value::Int(i) => Box::new(*i),
                Value::Text(s) => Box::new(s.clone()),
            }
        })
        .collect()
}

impl Backend for PostgresBackend {
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, RegisterError> {
        let bound = bind(params);
        let refs: Vec<&(dyn ToSql + Sync)> = bound.iter().map(|b| b.as_ref()).collect();
        let rows = self.client.query(sql, &refs).map_err(|e| self.error(&e))?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let mut values = Vec::with_capacity(row.len());
            for (i, col) in row.columns().iter().enumerate() {
                let v = if *col.type_() == Type::INT8 || *col.type_() == Type::INT4 {
                    let n: Option<i64> = if *col.type_() == Type::INT8 {
                        row.try_get(i)
                    } else {
                        row.try_get::<_, Option<i32>>(i).map(|n| n.map(i64::from))
                    }
                    .map_err(|e| self.error(&e))?;
                    n.map_or(Value::Null, Value::Int)
                } else {
                    let t: Option<String> = row.try_get(i).map_err(|e| self.error(&e))?;
                    t.map_or(Value::Null, Value::Text)
                };
                values.push(v);
            }
            out.push(values);
        }
        Ok(out)
    }

    fn write(&mut self, statements: &[Statement]) -> Result<(), RegisterError> {
        let location = self.location.clone();
        let result = (|| {
            let mut tx = self.client.transaction()?;
            for (sql, params) in statements {
                if params.is_empty() {
                    tx.batch_execute(sql)?;
                } else {
                    let bound = bind(params);
                    let refs: Vec<&(dyn ToSql + Sync)> = bound.iter().map(|b| b.as_ref()).collect();
                    tx.execute(sql.as_str(), &refs)?;
                }
            }
            tx.commit()
        })();
        result.map_err(|e| {
            let mut err = self.error(&e);
            if let RegisterError::Database { location: l, .. } = &mut err {
                l.clone_from(&location);
            }
            err
        })
    }
}

#[cfg(test)]
mod tests {
    use super::pgpass_lookup;

    #[test]
    fn pgpass_lines_match_by_field_with_wildcards_and_escapes() {
        let text = "# comment\ndb.example:5432:reg:alice:first\n*:*:reg:bob:se\\:cret\n*:*:*:*:fallback\n";
        assert_eq!(
            pgpass_lookup(text, ["db.example", "5432", "reg", "alice"]).as_deref(),
            Some("first")
        );
        assert_eq!(
            pgpass_lookup(text, ["other", "6000", "reg", "bob"]).as_deref(),
            Some("se:cret")
        );
        assert_eq!(
            pgpass_lookup(text, ["db.example", "5433", "reg", "alice"]).as_deref(),
            Some("fallback")
        );
        assert_eq!(pgpass_lookup("h:1:d:u:p\n", ["h", "1", "d", "x"]), None);
    }
}
