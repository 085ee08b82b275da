//! The checker every conversion of `validate` reports to: problems with their line, and
//! the readers of decimals, dates, conditions, roundings and aggregations.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::raw::*;
use super::*;

/// Collects problems while converting the raw document; each knows its line.
pub(super) struct Checker<'a> {
    pub(super) text: &'a str,
    pub(super) issues: Vec<ConfigIssue>,
}

impl Checker<'_> {
    pub(super) fn line_of(&self, offset: usize) -> usize {
        self.text[..offset.min(self.text.len())]
            .bytes()
            .filter(|b| *b == b'\n')
            .count()
            + 1
    }

    pub(super) fn problem(&mut self, offset: usize, message: impl Into<String>) {
        let line = self.line_of(offset);
        self.issues.push(ConfigIssue {
            line,
            message: message.into(),
            at: None,
        });
    }

    pub(super) fn decimal(&mut self, at: usize, what: &str, raw: &RawDecimal) -> Decimal {
        let parsed = match raw {
            RawDecimal::Text(t) => crate::model::money::parse_decimal(t),
            RawDecimal::Int(i) => Some(Decimal::from(*i)),
            RawDecimal::Float(f) => decimal_from_f64(*f),
        };
        parsed.unwrap_or_else(|| {
            self.problem(at, format!("{what} must be a decimal such as \"0.0125\", got {raw:?}"));
            Decimal::ZERO
        })
    }

    pub(super) fn non_negative(&mut self, at: usize, what: &str, raw: &RawDecimal) -> Decimal {
        let d = self.decimal(at, what, raw);
        if d.is_sign_negative() && !d.is_zero() {
            self.problem(at, format!("{what} must not be negative, got {d}"));
        }
        d
    }

    pub(super) fn opt_decimal(&mut self, at: usize, what: &str, raw: &Option<RawDecimal>) -> Decimal {
        raw.as_ref().map_or(Decimal::ZERO, |r| self.non_negative(at, what, r))
    }

    pub(super) fn date(&mut self, at: usize, what: &str, raw: &Option<RawDate>) -> Option<NaiveDate> {
        let text = match raw.as_ref()? {
            RawDate::Text(t) => t.clone(),
            RawDate::Toml(d) => d.to_string(),
        };
        match NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                self.problem(at, format!("{what} must be a date YYYY-MM-DD, got \"{text}\""));
                None
            }
        }
    }

    pub(super) fn conditions(&mut self, at: usize, raw: &RawConditions) -> Vec<Condition> {
        raw.iter()
            .map(|(field, values)| {
                let list = match values {
                    OneOrMany::Many(v) => v.clone(),
                    OneOrMany::One(v) => vec![v.clone()],
                };
                let values = list
                    .iter()
                    .map(|v| match v {
                        RawLiteral::Bool(b) => Literal::Bool(*b),
                        RawLiteral::Int(i) => Literal::Number(Decimal::from(*i)),
                        RawLiteral::Float(f) => match decimal_from_f64(*f) {
                            Some(d) => Literal::Number(d),
                            None => {
                                self.problem(at, format!("{field}: {f} is not a usable number"));
                                Literal::Number(Decimal::ZERO)
                            }
                        },
                        RawLiteral::Text(t) => Literal::Text(t.clone()),
                    })
                    .collect();
                Condition {
                    field: field.clone(),
                    values,
                }
            })
            .collect()
    }
}

pub(super) fn parse_rounding(text: Option<&str>) -> Result<Rounding, String> {
    let text = text.unwrap_or("half_up");
    text.parse().map_err(|_| {
        format!(
            "rounding must be {}, got \"{text}\"",
            one_of(<Rounding as strum::VariantNames>::VARIANTS, true)
        )
    })
}

pub(super) fn parse_aggregation(text: &str) -> Option<Aggregation> {
    text.parse().ok()
}

/// `a, b or c` (quoted when `quoted`): the names a key accepts, for its error message.
pub(super) fn one_of(names: &[&str], quoted: bool) -> String {
    let names: Vec<String> = names
        .iter()
        .map(|n| if quoted { format!("\"{n}\"") } else { (*n).to_string() })
        .collect();
    match names.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}
