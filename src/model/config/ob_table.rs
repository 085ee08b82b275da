//! OBs from a table (`[[ob_table]]`, docs/configuration.md): where the invoiced parties are
//! many and live in data, one row per OB (or per key of an OB) of a dataset of the data
//! folder. The rows are read by `import`; turning them into OBs, with their checks, is here.

use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;

use chrono::NaiveDate;
use chrono_tz::Tz;
use rust_decimal::Decimal;

use toml::Spanned;

use super::checker::Checker;
use super::raw::RawObTable;
use super::{Config, ObConfig};

/// One `[[ob_table]]`: which dataset, which columns, and the values every OB of the table
/// shares unless a column gives them per row.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ObTableConfig {
    pub dataset: String,
    pub version: Option<u32>,
    pub code: String,
    pub name: String,
    pub keys: String,
    pub currency: Option<String>,
    pub timezone: Option<String>,
    pub tax_rate: Option<String>,
    pub language: Option<String>,
    pub currency_column: Option<String>,
    pub timezone_column: Option<String>,
    pub tax_rate_column: Option<String>,
    pub contract_start_column: Option<String>,
    pub contract_end_column: Option<String>,
    pub language_column: Option<String>,
}

/// The languages an invoice can be written in.
pub const LANGUAGES: [&str; 3] = ["en", "es", "pt-BR"];

/// A language code as configured, in its canonical spelling, if supported.
pub fn language(code: &str) -> Option<&'static str> {
    LANGUAGES.iter().copied().find(|l| l.eq_ignore_ascii_case(code.trim()))
}

/// The `[[ob_table]]` entries as configured (their rows are read with the data).
pub(super) fn validate(ck: &mut Checker<'_>, raw: &[Spanned<RawObTable>]) -> Vec<ObTableConfig> {
    let mut out = Vec::new();
    for s in raw {
        let at = s.span().start;
        let t = s.get_ref();
        for (key, fixed, column) in [
            ("currency", &t.currency, &t.currency_column),
            ("timezone", &t.timezone, &t.timezone_column),
            ("language", &t.language, &t.language_column),
        ] {
            if fixed.is_some() && column.is_some() {
                ck.problem(
                    at,
                    format!("ob_table {}: give {key} or {key}_column, not both", t.dataset),
                );
            }
        }
        if let Some(tz) = &t.timezone
            && Tz::from_str(tz).is_err()
        {
            ck.problem(
                at,
                format!(
                    "ob_table {}: timezone \"{tz}\" is not an IANA time zone name such as \"America/Sao_Paulo\"",
                    t.dataset
                ),
            );
        }
        if let Some(l) = &t.language
            && crate::model::config::language(l).is_none()
        {
            ck.problem(
                at,
                format!("ob_table {}: language \"{l}\" is not one of en, es, pt-BR", t.dataset),
            );
        }
        let tax_rate = t
            .tax_rate
            .as_ref()
            .map(|r| ck.non_negative(at, "tax_rate", r).to_string());
        if t.tax_rate.is_some() && t.tax_rate_column.is_some() {
            ck.problem(
                at,
                format!("ob_table {}: give tax_rate or tax_rate_column, not both", t.dataset),
            );
        }
        out.push(ObTableConfig {
            dataset: t.dataset.clone(),
            version: t.version,
            code: t.code.clone(),
            name: t.name.clone(),
            keys: t.keys.clone(),
            currency: t.currency.clone(),
            timezone: t.timezone.clone(),
            tax_rate,
            language: t.language.clone(),
            currency_column: t.currency_column.clone(),
            timezone_column: t.timezone_column.clone(),
            tax_rate_column: t.tax_rate_column.clone(),
            contract_start_column: t.contract_start_column.clone(),
            contract_end_column: t.contract_end_column.clone(),
            language_column: t.language_column.clone(),
        });
    }
    out
}

/// One row of the table: its 1-based row number and its cells by column.
pub type TableRow = (usize, HashMap<String, Option<String>>);

impl ObTableConfig {
    /// The columns the table is read with.
    pub fn columns(&self) -> Vec<&str> {
        let mut cols = vec![self.code.as_str(), self.name.as_str(), self.keys.as_str()];
        for c in [
            &self.currency_column,
            &self.timezone_column,
            &self.tax_rate_column,
            &self.contract_start_column,
            &self.contract_end_column,
            &self.language_column,
        ]
        .into_iter()
        .flatten()
        {
            cols.push(c);
        }
        cols
    }

    /// The OBs of the table's rows (rows sharing a code add keys), in first-row order; every
    /// problem names the dataset and the row.
    pub fn obs(&self, rows: &[TableRow], billing_currency: &str) -> Result<Vec<ObConfig>, Vec<String>> {
        let mut problems = Vec::new();
        let mut obs: Vec<ObConfig> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut key_row: HashMap<String, (usize, String)> = HashMap::new();
        for (row, cells) in rows {
            let at = |what: String| format!("{} row {row}: {what}", self.dataset);
            let get = |col: &Option<String>, fixed: &Option<String>| -> Option<String> {
                match col {
                    Some(c) => cells.get(c).cloned().flatten(),
                    None => fixed.clone(),
                }
            };
            let cell = |c: &str| cells.get(c).cloned().flatten().filter(|v| !v.trim().is_empty());
            let Some(code) = cell(&self.code) else {
                problems.push(at(format!("column {} (the OB code) is empty", self.code)));
                continue;
            };
            let code = code.trim().to_string();
            let keys: Vec<String> = cell(&self.keys).map(|k| vec![k.trim().to_string()]).unwrap_or_default();
            for k in &keys {
                if let Some((first, owner)) = key_row.insert(k.clone(), (*row, code.clone()))
                    && owner != code
                {
                    problems.push(at(format!("key \"{k}\" already belongs to OB {owner} (row {first})")));
                }
            }
            if let Some(&i) = index.get(&code) {
                obs[i].keys.extend(keys);
                continue;
            }
            let currency = get(&self.currency_column, &self.currency)
                .map(|c| c.trim().to_string())
                .unwrap_or_else(|| billing_currency.to_string());
            if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
                problems.push(at(format!(
                    "currency \"{currency}\" is not a three-letter code such as \"BRL\""
                )));
            }
            let timezone = match get(&self.timezone_column, &self.timezone) {
                None => chrono_tz::UTC,
                Some(t) => Tz::from_str(t.trim()).unwrap_or_else(|_| {
                    problems.push(at(format!(
                        "timezone \"{t}\" is not an IANA time zone name such as \"America/Sao_Paulo\""
                    )));
                    chrono_tz::UTC
                }),
            };
            let tax_rate = match get(&self.tax_rate_column, &self.tax_rate) {
                None => Decimal::ZERO,
                Some(t) => crate::model::money::parse_decimal(&t)
                    .filter(|d| !d.is_sign_negative())
                    .unwrap_or_else(|| {
                        problems.push(at(format!("tax_rate \"{t}\" is not a fraction such as \"0.21\"")));
                        Decimal::ZERO
                    }),
            };
            let date = |col: &Option<String>, what: &str, problems: &mut Vec<String>| -> Option<NaiveDate> {
                let text = get(col, &None)?;
                let text = text.trim();
                if text.is_empty() {
                    return None;
                }
                NaiveDate::parse_from_str(&text[..text.len().min(10)], "%Y-%m-%d")
                    .map_err(|_| problems.push(at(format!("{what} \"{text}\" is not a date YYYY-MM-DD"))))
                    .ok()
            };
            let contract_start = date(&self.contract_start_column, "contract_start", &mut problems);
            let contract_end = date(&self.contract_end_column, "contract_end", &mut problems);
            let language = match get(&self.language_column, &self.language) {
                None => "en",
                Some(l) => language(&l).unwrap_or_else(|| {
                    problems.push(at(format!("language \"{l}\" is not one of {}", LANGUAGES.join(", "))));
                    "en"
                }),
            };
            index.insert(code.clone(), obs.len());
            obs.push(ObConfig {
                name: cell(&self.name).unwrap_or_else(|| code.clone()),
                code,
                keys,
                currency,
                timezone,
                tax_rate,
                contract_start,
                contract_end,
                language: language.to_string(),
            });
        }
        for o in &obs {
            if o.keys.is_empty() {
                problems.push(format!(
                    "{}: OB {} has no key in column {}",
                    self.dataset, o.code, self.keys
                ));
            }
        }
        if problems.is_empty() { Ok(obs) } else { Err(problems) }
    }
}

impl Config {
    /// Adds the OBs of a table after the `[[ob]]` entries: an `[[ob]]` of the same code
    /// replaces the row. Checks that no key belongs to two OBs and that every OB a charge
    /// or fee lists now exists.
    pub fn add_table_obs(&mut self, table: &ObTableConfig, obs: Vec<ObConfig>) -> Result<(), Vec<String>> {
        let mut problems = Vec::new();
        let mut owner: BTreeMap<String, String> = self
            .obs
            .iter()
            .flat_map(|o| o.keys.iter().map(|k| (k.clone(), o.code.clone())))
            .collect();
        for o in obs {
            if self.obs.iter().any(|p| p.code == o.code) {
                continue;
            }
            for k in &o.keys {
                if let Some(prev) = owner.insert(k.clone(), o.code.clone()) {
                    problems.push(format!(
                        "{}: key \"{k}\" of OB {} already belongs to OB {prev}",
                        table.dataset, o.code
                    ));
                }
            }
            self.obs.push(o);
        }
        if problems.is_empty() { Ok(()) } else { Err(problems) }
    }

    /// The OB codes charges and fees list that no OB has (checked once tables are read).
    pub fn unknown_listed_obs(&self) -> Vec<String> {
        let mut out = Vec::new();
        let lists = self
            .charges
            .iter()
            .map(|c| (format!("charge {}", c.concept), &c.obs))
            .chain(self.fees.iter().map(|f| (format!("fee {}", f.concept), &f.obs)));
        for (what, list) in lists {
            for code in list {
                if self.ob(code).is_none() {
                    out.push(format!(
                        "{what} lists OB \"{code}\", which neither an [[ob]] nor an [[ob_table]] declares"
                    ));
                }
            }
        }
        out
    }
}
