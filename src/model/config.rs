//! The billing configuration (`billing.toml`, SPEC 3): parsed once, validated, then typed.
//!
//! Every problem names the file, the line and what to change. This module reads the file
//! text it is given but knows nothing of datasets or rating.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::NaiveDate;
use chrono_tz::Tz;
use rust_decimal::Decimal;
use serde::Deserialize;
use toml::Spanned;

use super::money::{Rounding, decimal_from_f64};
use super::period::YearMonth;
use super::table::{FieldPlan, Form};

/// A typed literal of an `exclude` or `where` rule, compared by its TOML type.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Bool(bool),
    Number(Decimal),
    Text(String),
}

/// One field's condition: the value must equal one of `values` (OR within the list).
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub field: String,
    pub values: Vec<Literal>,
}

#[derive(Debug, Clone)]
pub struct BillingSettings {
    pub currency: String,
    pub decimals: u32,
    pub rounding: Rounding,
    pub invoice_prefix: String,
    pub issuer: String,
}

/// A usage dataset (`[[dataset]]`).
#[derive(Debug, Clone)]
pub struct DatasetConfig {
    pub name: String,
    pub id_field: String,
    pub time_field: String,
    pub ob_field: String,
    /// AND across conditions.
    pub exclude: Vec<Condition>,
    pub version: Option<u32>,
}

/// A dimension table checked against a field of every usage dataset that has it.
#[derive(Debug, Clone)]
pub struct DimensionConfig {
    pub field: String,
    pub dataset: String,
    pub key: String,
    pub label: String,
    pub required: bool,
    pub version: Option<u32>,
}

/// An operating business that is invoiced.
#[derive(Debug, Clone)]
pub struct ObConfig {
    pub code: String,
    pub name: String,
    pub keys: Vec<String>,
    pub currency: String,
    pub timezone: Tz,
    pub tax_rate: Decimal,
    pub contract_start: Option<NaiveDate>,
    pub contract_end: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregation {
    Count,
    Sum,
    CountDistinct,
    Max,
    Latest,
}

impl Aggregation {
    /// Whether the field is a measured number (checked for negative and unreadable values).
    pub fn measures_number(self) -> bool {
        matches!(self, Aggregation::Sum | Aggregation::Max | Aggregation::Latest)
    }

    /// The form the measured field is read in.
    pub fn field_form(self) -> Form {
        match self {
            _ if self.measures_number() => Form::Number,
            Aggregation::CountDistinct => Form::Distinct,
            _ => Form::Value,
        }
    }
}

#[derive(Debug, Clone)]
pub struct MeterConfig {
    pub code: String,
    pub name: String,
    pub dataset: String,
    pub aggregation: Aggregation,
    pub field: Option<String>,
    pub where_: Vec<Condition>,
    pub divide_by: Decimal,
    pub unit: String,
    pub breakdown: Vec<String>,
}

/// A price tier `(low, up_to]`; the last tier has no `up_to`.
#[derive(Debug, Clone, PartialEq)]
pub struct Tier {
    pub up_to: Option<Decimal>,
    pub unit_price: Decimal,
    pub flat: Decimal,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ChargeModel {
    PerUnit {
        unit_price: Decimal,
    },
    Graduated {
        tiers: Vec<Tier>,
    },
    Volume {
        tiers: Vec<Tier>,
    },
    Package {
        package_size: Decimal,
        package_price: Decimal,
    },
}

#[derive(Debug, Clone)]
pub struct ChargeConfig {
    pub concept: String,
    pub description: String,
    pub meter: String,
    pub model: ChargeModel,
    pub included: Decimal,
    pub minimum: Decimal,
    pub obs: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct FeeConfig {
    pub concept: String,
    pub description: String,
    pub amount: Decimal,
    pub prorate: bool,
    pub obs: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AllocationSource {
    /// Rows of `Platform_Cost` with this pool.
    Pool(String),
    /// A fixed amount per run, in `billing.currency`.
    Fixed(Decimal),
}

#[derive(Debug, Clone)]
pub struct AllocationConfig {
    pub concept: String,
    pub description: String,
    pub basis: String,
    pub source: AllocationSource,
}

#[derive(Debug, Clone)]
pub struct FxRate {
    pub period: YearMonth,
    pub currency: String,
    pub rate: Decimal,
}

/// The whole, validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub path: PathBuf,
    /// SHA-256 of the configuration text, lowercase hex.
    pub sha256: String,
    pub billing: BillingSettings,
    pub datasets: Vec<DatasetConfig>,
    pub dimensions: Vec<DimensionConfig>,
    pub obs: Vec<ObConfig>,
    pub meters: Vec<MeterConfig>,
    pub charges: Vec<ChargeConfig>,
    pub fees: Vec<FeeConfig>,
    pub allocations: Vec<AllocationConfig>,
    pub fx: Vec<FxRate>,
}

/// The dataset that feeds allocation pools.
pub const PLATFORM_COST: &str = "Platform_Cost";

/// One problem in the configuration, at a line.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigIssue {
    pub line: usize,
    pub message: String,
}

/// Why a configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{}: cannot read the configuration: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{}: {message}", path.display())]
    Syntax { path: PathBuf, message: String },
    #[error("{}", render_issues(path, issues))]
    Invalid { path: PathBuf, issues: Vec<ConfigIssue> },
}

fn render_issues(path: &Path, issues: &[ConfigIssue]) -> String {
    let mut out = format!("{}: {} problem(s) in the configuration", path.display(), issues.len());
    for issue in issues {
        out.push_str(&format!("\n  {}:{}: {}", path.display(), issue.line, issue.message));
    }
    out
}

// ---------------------------------------------------------------------------------------
// Raw TOML shapes. `Spanned` keeps where each entry starts, for line numbers.

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum RawDecimal {
    Text(String),
    Int(i64),
    Float(f64),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum RawDate {
    Text(String),
    Toml(toml::value::Datetime),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum RawLiteral {
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    Many(Vec<RawLiteral>),
    One(RawLiteral),
}

type RawConditions = BTreeMap<String, OneOrMany>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    billing: Spanned<RawBilling>,
    #[serde(default)]
    dataset: Vec<Spanned<RawDataset>>,
    #[serde(default)]
    dimension: Vec<Spanned<RawDimension>>,
    #[serde(default)]
    ob: Vec<Spanned<RawOb>>,
    #[serde(default)]
    meter: Vec<Spanned<RawMeter>>,
    #[serde(default)]
    charge: Vec<Spanned<RawCharge>>,
    #[serde(default)]
    fee: Vec<Spanned<RawFee>>,
    #[serde(default)]
    allocation: Vec<Spanned<RawAllocation>>,
    #[serde(default)]
    fx: Vec<Spanned<RawFx>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBilling {
    currency: String,
    #[serde(default = "default_decimals")]
    decimals: u32,
    #[serde(default)]
    rounding: Option<String>,
    #[serde(default)]
    invoice_prefix: Option<String>,
    #[serde(default)]
    issuer: Option<String>,
}

fn default_decimals() -> u32 {
    2
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDataset {
    name: String,
    id_field: String,
    time_field: String,
    ob_field: String,
    #[serde(default)]
    exclude: RawConditions,
    #[serde(default)]
    version: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDimension {
    field: String,
    dataset: String,
    key: String,
    label: String,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    version: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOb {
    code: String,
    name: String,
    keys: Vec<String>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    timezone: Option<String>,
    #[serde(default)]
    tax_rate: Option<RawDecimal>,
    #[serde(default)]
    contract_start: Option<RawDate>,
    #[serde(default)]
    contract_end: Option<RawDate>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeter {
    code: String,
    #[serde(default)]
    name: Option<String>,
    dataset: String,
    aggregation: String,
    #[serde(default)]
    field: Option<String>,
    #[serde(default, rename = "where")]
    where_: RawConditions,
    #[serde(default)]
    divide_by: Option<RawDecimal>,
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    breakdown: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTier {
    #[serde(default)]
    up_to: Option<RawDecimal>,
    unit_price: RawDecimal,
    #[serde(default)]
    flat: Option<RawDecimal>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCharge {
    concept: String,
    #[serde(default)]
    description: Option<String>,
    meter: String,
    model: String,
    #[serde(default)]
    tiers: Option<Vec<RawTier>>,
    #[serde(default)]
    unit_price: Option<RawDecimal>,
    #[serde(default)]
    package_size: Option<RawDecimal>,
    #[serde(default)]
    package_price: Option<RawDecimal>,
    #[serde(default)]
    included: Option<RawDecimal>,
    #[serde(default)]
    minimum: Option<RawDecimal>,
    #[serde(default)]
    obs: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFee {
    concept: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    amount: Option<RawDecimal>,
    #[serde(default)]
    prorate: bool,
    #[serde(default)]
    obs: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAllocation {
    concept: String,
    #[serde(default)]
    description: Option<String>,
    basis: String,
    #[serde(default)]
    pool: Option<String>,
    #[serde(default)]
    amount: Option<RawDecimal>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFx {
    period: String,
    currency: String,
    rate: RawDecimal,
}

// ---------------------------------------------------------------------------------------

/// Collects problems while converting the raw document; each knows its line.
struct Checker<'a> {
    text: &'a str,
    issues: Vec<ConfigIssue>,
}

impl Checker<'_> {
    fn line_of(&self, offset: usize) -> usize {
        self.text[..offset.min(self.text.len())]
            .bytes()
            .filter(|b| *b == b'\n')
            .count()
            + 1
    }

    fn problem(&mut self, offset: usize, message: impl Into<String>) {
        let line = self.line_of(offset);
        self.issues.push(ConfigIssue {
            line,
            message: message.into(),
        });
    }

    fn decimal(&mut self, at: usize, what: &str, raw: &RawDecimal) -> Decimal {
        let parsed = match raw {
            RawDecimal::Text(t) => super::money::parse_decimal(t),
            RawDecimal::Int(i) => Some(Decimal::from(*i)),
            RawDecimal::Float(f) => decimal_from_f64(*f),
        };
        parsed.unwrap_or_else(|| {
            self.problem(at, format!("{what} must be a decimal such as \"0.0125\", got {raw:?}"));
            Decimal::ZERO
        })
    }

    fn non_negative(&mut self, at: usize, what: &str, raw: &RawDecimal) -> Decimal {
        let d = self.decimal(at, what, raw);
        if d.is_sign_negative() && !d.is_zero() {
            self.problem(at, format!("{what} must not be negative, got {d}"));
        }
        d
    }

    fn opt_decimal(&mut self, at: usize, what: &str, raw: &Option<RawDecimal>) -> Decimal {
        raw.as_ref().map_or(Decimal::ZERO, |r| self.non_negative(at, what, r))
    }

    fn date(&mut self, at: usize, what: &str, raw: &Option<RawDate>) -> Option<NaiveDate> {
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

    fn conditions(&mut self, at: usize, raw: &RawConditions) -> Vec<Condition> {
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

fn parse_rounding(text: Option<&str>) -> Result<Rounding, String> {
    match text.unwrap_or("half_up") {
        "half_up" => Ok(Rounding::HalfUp),
        "half_even" => Ok(Rounding::HalfEven),
        other => Err(format!(
            "rounding must be \"half_up\" or \"half_even\", got \"{other}\""
        )),
    }
}

fn parse_aggregation(text: &str) -> Option<Aggregation> {
    Some(match text {
        "count" => Aggregation::Count,
        "sum" => Aggregation::Sum,
        "count_distinct" => Aggregation::CountDistinct,
        "max" => Aggregation::Max,
        "latest" => Aggregation::Latest,
        _ => return None,
    })
}

impl Config {
    /// Reads and validates `billing.toml`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text, path)
    }

    /// Parses and validates configuration text; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Syntax {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })?;
        let mut ck = Checker {
            text,
            issues: Vec::new(),
        };
        let config = convert(&mut ck, raw, path);
        if ck.issues.is_empty() {
            Ok(config)
        } else {
            ck.issues.sort_by_key(|i| i.line);
            Err(ConfigError::Invalid {
                path: path.to_path_buf(),
                issues: ck.issues,
            })
        }
    }

    pub fn ob(&self, code: &str) -> Option<&ObConfig> {
        self.obs.iter().find(|o| o.code == code)
    }

    pub fn meter(&self, code: &str) -> Option<&MeterConfig> {
        self.meters.iter().find(|m| m.code == code)
    }

    pub fn dataset(&self, name: &str) -> Option<&DatasetConfig> {
        self.datasets.iter().find(|d| d.name.eq_ignore_ascii_case(name))
    }

    /// The FX rate from `billing.currency` to `currency` for `month` (1 for the same currency).
    pub fn fx_rate(&self, currency: &str, month: YearMonth) -> Option<Decimal> {
        if currency == self.billing.currency {
            return Some(Decimal::ONE);
        }
        self.fx
            .iter()
            .find(|f| f.currency == currency && f.period == month)
            .map(|f| f.rate)
    }

    /// Whether an entry listing `obs` applies to OB `code` and how specifically
    /// (`Some(true)`: names the OB; `Some(false)`: applies to all; `None`: not to this OB).
    pub fn applies(obs: &[String], code: &str) -> Option<bool> {
        if obs.is_empty() {
            Some(false)
        } else if obs.iter().any(|o| o == code) {
            Some(true)
        } else {
            None
        }
    }

    /// The charges that apply to OB `code`, in configuration order, one per concept:
    /// a charge naming the OB wins over one for all.
    pub fn charges_for(&self, code: &str) -> Vec<&ChargeConfig> {
        select_by_concept(&self.charges, code, |c| (&c.concept, &c.obs))
    }

    /// The fees that apply to OB `code`, same rule as charges.
    pub fn fees_for(&self, code: &str) -> Vec<&FeeConfig> {
        select_by_concept(&self.fees, code, |f| (&f.concept, &f.obs))
    }

    /// Every dataset name the configuration reads (usage, dimensions, Platform_Cost).
    pub fn referenced_datasets(&self) -> BTreeSet<String> {
        let mut names: BTreeSet<String> = self.datasets.iter().map(|d| d.name.to_ascii_lowercase()).collect();
        names.extend(self.dimensions.iter().map(|d| d.dataset.to_ascii_lowercase()));
        if self.uses_platform_cost() {
            names.insert(PLATFORM_COST.to_ascii_lowercase());
        }
        names
    }

    /// The meters that read dataset `name`, in configuration order.
    pub fn meters_of(&self, name: &str) -> Vec<&MeterConfig> {
        self.meters
            .iter()
            .filter(|m| m.dataset.eq_ignore_ascii_case(name))
            .collect()
    }

    /// The fields a usage dataset must be read with, and how (SPEC 2: by what they are used for).
    /// Dimension fields are optional: a dimension applies to the datasets that have the field.
    pub fn field_plan(&self, dataset: &DatasetConfig) -> FieldPlan {
        let mut plan = FieldPlan::default();
        plan.add(&dataset.id_field, Form::Id, true);
        plan.add(&dataset.time_field, Form::Time, true);
        plan.add(&dataset.ob_field, Form::Value, true);
        for c in &dataset.exclude {
            plan.add(&c.field, Form::Value, true);
        }
        for d in &self.dimensions {
            plan.add(&d.field, Form::Value, false);
        }
        for m in self.meters_of(&dataset.name) {
            if let Some(field) = &m.field {
                plan.add(field, m.aggregation.field_form(), true);
            }
            for c in &m.where_ {
                plan.add(&c.field, Form::Value, true);
            }
            for b in &m.breakdown {
                plan.add(b, Form::Value, true);
            }
        }
        plan
    }

    pub fn uses_platform_cost(&self) -> bool {
        self.allocations
            .iter()
            .any(|a| matches!(a.source, AllocationSource::Pool(_)))
    }

    /// Problems that only show for a given period: OB currencies without an FX rate.
    pub fn period_problems(&self, month: YearMonth) -> Vec<(String, String)> {
        self.obs
            .iter()
            .filter(|ob| self.fx_rate(&ob.currency, month).is_none())
            .map(|ob| {
                (
                    ob.code.clone(),
                    format!(
                        "{}: OB {} is invoiced in {} but there is no [[fx]] rate with period = \"{month}\" and currency = \"{}\"",
                        self.path.display(),
                        ob.code,
                        ob.currency,
                        ob.currency
                    ),
                )
            })
            .collect()
    }
}

fn select_by_concept<'a, T>(
    items: &'a [T],
    code: &str,
    key: impl Fn(&'a T) -> (&'a String, &'a Vec<String>),
) -> Vec<&'a T> {
    let mut best: HashMap<&str, (bool, usize)> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        let (concept, obs) = key(item);
        if let Some(specific) = Config::applies(obs, code) {
            let entry = best.entry(concept.as_str()).or_insert((specific, i));
            if specific && !entry.0 {
                *entry = (specific, i);
            }
        }
    }
    let mut chosen: Vec<usize> = best.values().map(|(_, i)| *i).collect();
    chosen.sort_unstable();
    chosen.into_iter().map(|i| &items[i]).collect()
}

fn convert(ck: &mut Checker<'_>, raw: RawConfig, path: &Path) -> Config {
    let b_at = raw.billing.span().start;
    let rb = raw.billing.into_inner();
    let rounding = parse_rounding(rb.rounding.as_deref()).unwrap_or_else(|m| {
        ck.problem(b_at, m);
        Rounding::HalfUp
    });
    if rb.decimals > 6 {
        ck.problem(b_at, format!("decimals must be between 0 and 6, got {}", rb.decimals));
    }
    let billing = BillingSettings {
        currency: rb.currency.trim().to_string(),
        decimals: rb.decimals.min(6),
        rounding,
        invoice_prefix: rb.invoice_prefix.unwrap_or_else(|| "INV".to_string()),
        issuer: rb.issuer.unwrap_or_default(),
    };

    let mut datasets = Vec::new();
    let mut seen = HashMap::new();
    for s in &raw.dataset {
        let at = s.span().start;
        let d = s.get_ref();
        if let Some(prev) = seen.insert(d.name.to_ascii_lowercase(), ck.line_of(at)) {
            ck.problem(
                at,
                format!("dataset \"{}\" is declared twice (also line {prev})", d.name),
            );
        }
        datasets.push(DatasetConfig {
            name: d.name.clone(),
            id_field: d.id_field.clone(),
            time_field: d.time_field.clone(),
            ob_field: d.ob_field.clone(),
            exclude: ck.conditions(at, &d.exclude),
            version: d.version,
        });
    }

    let mut dimensions = Vec::new();
    let mut seen = HashMap::new();
    for s in &raw.dimension {
        let at = s.span().start;
        let d = s.get_ref();
        if let Some(prev) = seen.insert(d.field.clone(), ck.line_of(at)) {
            ck.problem(
                at,
                format!(
                    "dimension for field \"{}\" is declared twice (also line {prev})",
                    d.field
                ),
            );
        }
        dimensions.push(DimensionConfig {
            field: d.field.clone(),
            dataset: d.dataset.clone(),
            key: d.key.clone(),
            label: d.label.clone(),
            required: d.required,
            version: d.version,
        });
    }

    let mut obs: Vec<ObConfig> = Vec::new();
    let mut key_owner: HashMap<String, String> = HashMap::new();
    for s in &raw.ob {
        let at = s.span().start;
        let o = s.get_ref();
        if obs.iter().any(|p| p.code == o.code) {
            ck.problem(at, format!("OB code \"{}\" is declared twice", o.code));
        }
        for k in &o.keys {
            if let Some(owner) = key_owner.insert(k.clone(), o.code.clone()) {
                ck.problem(
                    at,
                    format!("key \"{k}\" of OB {} already belongs to OB {owner}", o.code),
                );
            }
        }
        if o.keys.is_empty() {
            ck.problem(
                at,
                format!(
                    "OB {} has no keys: list the values of ob_field that belong to it",
                    o.code
                ),
            );
        }
        let timezone = match o.timezone.as_deref() {
            None => chrono_tz::UTC,
            Some(name) => Tz::from_str(name).unwrap_or_else(|_| {
                ck.problem(
                    at,
                    format!(
                        "timezone \"{name}\" of OB {} is not an IANA time zone name such as \"Europe/Madrid\"",
                        o.code
                    ),
                );
                chrono_tz::UTC
            }),
        };
        let tax_rate = ck.opt_decimal(at, "tax_rate", &o.tax_rate);
        let contract_start = ck.date(at, "contract_start", &o.contract_start);
        let contract_end = ck.date(at, "contract_end", &o.contract_end);
        if let (Some(s), Some(e)) = (contract_start, contract_end)
            && e < s
        {
            ck.problem(
                at,
                format!("OB {}: contract_end {e} is before contract_start {s}", o.code),
            );
        }
        obs.push(ObConfig {
            code: o.code.clone(),
            name: o.name.clone(),
            keys: o.keys.clone(),
            currency: o.currency.clone().unwrap_or_else(|| billing.currency.clone()),
            timezone,
            tax_rate,
            contract_start,
            contract_end,
        });
    }
    if obs.is_empty() {
        ck.problem(0, "no [[ob]] is configured: add at least one OB to invoice");
    }

    let dataset_names: BTreeSet<String> = datasets.iter().map(|d| d.name.to_ascii_lowercase()).collect();
    let mut meters: Vec<MeterConfig> = Vec::new();
    for s in &raw.meter {
        let at = s.span().start;
        let m = s.get_ref();
        if meters.iter().any(|p| p.code == m.code) {
            ck.problem(at, format!("meter code \"{}\" is declared twice", m.code));
        }
        if !dataset_names.contains(&m.dataset.to_ascii_lowercase()) {
            ck.problem(
                at,
                format!(
                    "meter {} reads dataset \"{}\", which no [[dataset]] declares",
                    m.code, m.dataset
                ),
            );
        }
        let aggregation = parse_aggregation(&m.aggregation).unwrap_or_else(|| {
            ck.problem(
                at,
                format!(
                    "meter {}: aggregation must be count, sum, count_distinct, max or latest, got \"{}\"",
                    m.code, m.aggregation
                ),
            );
            Aggregation::Count
        });
        if aggregation != Aggregation::Count && m.field.is_none() {
            ck.problem(
                at,
                format!("meter {}: aggregation {} needs a field", m.code, m.aggregation),
            );
        }
        let divide_by = match &m.divide_by {
            None => Decimal::ONE,
            Some(r) => {
                let d = ck.decimal(at, "divide_by", r);
                if d <= Decimal::ZERO {
                    ck.problem(at, format!("meter {}: divide_by must be greater than 0", m.code));
                    Decimal::ONE
                } else {
                    d
                }
            }
        };
        meters.push(MeterConfig {
            code: m.code.clone(),
            name: m.name.clone().unwrap_or_else(|| m.code.clone()),
            dataset: datasets
                .iter()
                .find(|d| d.name.eq_ignore_ascii_case(&m.dataset))
                .map_or_else(|| m.dataset.clone(), |d| d.name.clone()),
            aggregation,
            field: m.field.clone(),
            where_: ck.conditions(at, &m.where_),
            divide_by,
            unit: m.unit.clone().unwrap_or_default(),
            breakdown: m.breakdown.clone(),
        });
    }

    let ob_codes: BTreeSet<&str> = obs.iter().map(|o| o.code.as_str()).collect();
    let check_obs = |ck: &mut Checker<'_>, at: usize, what: &str, list: &[String]| {
        for code in list {
            if !ob_codes.contains(code.as_str()) {
                ck.problem(at, format!("{what} lists OB \"{code}\", which no [[ob]] declares"));
            }
        }
    };

    let mut charges = Vec::new();
    for s in &raw.charge {
        let at = s.span().start;
        let c = s.get_ref();
        let what = format!("charge {}", c.concept);
        if !meters.iter().any(|m| m.code == c.meter) {
            ck.problem(
                at,
                format!("{what} uses meter \"{}\", which no [[meter]] declares", c.meter),
            );
        }
        check_obs(ck, at, &what, &c.obs);
        let model = charge_model(ck, at, &what, c);
        charges.push(ChargeConfig {
            concept: c.concept.clone(),
            description: c.description.clone().unwrap_or_else(|| c.concept.clone()),
            meter: c.meter.clone(),
            model,
            included: ck.opt_decimal(at, "included", &c.included),
            minimum: ck.opt_decimal(at, "minimum", &c.minimum),
            obs: c.obs.clone(),
        });
    }

    let mut fees = Vec::new();
    for s in &raw.fee {
        let at = s.span().start;
        let f = s.get_ref();
        check_obs(ck, at, &format!("fee {}", f.concept), &f.obs);
        let amount = match &f.amount {
            Some(a) => ck.non_negative(at, "amount", a),
            None => {
                ck.problem(at, format!("fee {} has no amount: add amount = \"1500.00\"", f.concept));
                Decimal::ZERO
            }
        };
        fees.push(FeeConfig {
            concept: f.concept.clone(),
            description: f.description.clone().unwrap_or_else(|| f.concept.clone()),
            amount,
            prorate: f.prorate,
            obs: f.obs.clone(),
        });
    }

    let mut allocations = Vec::new();
    for s in &raw.allocation {
        let at = s.span().start;
        let a = s.get_ref();
        if !meters.iter().any(|m| m.code == a.basis) {
            ck.problem(
                at,
                format!(
                    "allocation {} uses basis meter \"{}\", which no [[meter]] declares",
                    a.concept, a.basis
                ),
            );
        }
        let source = match (&a.pool, &a.amount) {
            (Some(pool), None) => AllocationSource::Pool(pool.clone()),
            (None, Some(amount)) => AllocationSource::Fixed(ck.non_negative(at, "amount", amount)),
            (Some(_), Some(_)) => {
                ck.problem(
                    at,
                    format!("allocation {} has both pool and amount: keep one", a.concept),
                );
                AllocationSource::Fixed(Decimal::ZERO)
            }
            (None, None) => {
                ck.problem(
                    at,
                    format!(
                        "allocation {} needs a pool (rows of Platform_Cost) or a fixed amount",
                        a.concept
                    ),
                );
                AllocationSource::Fixed(Decimal::ZERO)
            }
        };
        allocations.push(AllocationConfig {
            concept: a.concept.clone(),
            description: a.description.clone().unwrap_or_else(|| a.concept.clone()),
            basis: a.basis.clone(),
            source,
        });
    }

    let mut fx: Vec<FxRate> = Vec::new();
    for s in &raw.fx {
        let at = s.span().start;
        let f = s.get_ref();
        let Some(period) = YearMonth::parse(&f.period) else {
            ck.problem(at, format!("fx period must be YYYY-MM, got \"{}\"", f.period));
            continue;
        };
        let rate = ck.decimal(at, "rate", &f.rate);
        if rate <= Decimal::ZERO {
            ck.problem(
                at,
                format!("fx rate for {} {period} must be greater than 0", f.currency),
            );
        }
        if fx.iter().any(|p| p.period == period && p.currency == f.currency) {
            ck.problem(at, format!("fx rate for {} {period} is declared twice", f.currency));
        }
        fx.push(FxRate {
            period,
            currency: f.currency.clone(),
            rate,
        });
    }

    let config = Config {
        path: path.to_path_buf(),
        sha256: {
            use sha2::Digest;
            sha2::Sha256::digest(ck.text.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        },
        billing,
        datasets,
        dimensions,
        obs,
        meters,
        charges,
        fees,
        allocations,
        fx,
    };
    check_concepts(ck, &config, &raw.charge, &raw.fee, &raw.allocation);
    config
}

fn charge_model(ck: &mut Checker<'_>, at: usize, what: &str, c: &RawCharge) -> ChargeModel {
    let need = |ck: &mut Checker<'_>, name: &str, v: &Option<RawDecimal>| match v {
        Some(v) => ck.non_negative(at, name, v),
        None => {
            ck.problem(at, format!("{what}: model {} needs {name}", c.model));
            Decimal::ZERO
        }
    };
    match c.model.as_str() {
        "per_unit" => ChargeModel::PerUnit {
            unit_price: need(ck, "unit_price", &c.unit_price),
        },
        "package" => {
            let package_size = need(ck, "package_size", &c.package_size);
            let package_price = need(ck, "package_price", &c.package_price);
            if package_size.is_zero() && c.package_size.is_some() {
                ck.problem(at, format!("{what}: package_size must be greater than 0"));
            }
            ChargeModel::Package {
                package_size,
                package_price,
            }
        }
        "graduated" | "volume" => {
            let tiers = tiers(ck, at, what, c.tiers.as_deref());
            if c.model == "graduated" {
                ChargeModel::Graduated { tiers }
            } else {
                ChargeModel::Volume { tiers }
            }
        }
        other => {
            ck.problem(
                at,
                format!("{what}: model must be per_unit, graduated, volume or package, got \"{other}\""),
            );
            ChargeModel::PerUnit {
                unit_price: Decimal::ZERO,
            }
        }
    }
}

fn tiers(ck: &mut Checker<'_>, at: usize, what: &str, raw: Option<&[RawTier]>) -> Vec<Tier> {
    let Some(raw) = raw.filter(|t| !t.is_empty()) else {
        ck.problem(at, format!("{what}: this model needs tiers = [ {{ up_to = \"100\", unit_price = \"1.00\" }}, {{ unit_price = \"0.50\" }} ]"));
        return Vec::new();
    };
    let mut out: Vec<Tier> = Vec::new();
    for (i, t) in raw.iter().enumerate() {
        let up_to = t.up_to.as_ref().map(|u| ck.non_negative(at, "up_to", u));
        let last = i + 1 == raw.len();
        match (up_to, last) {
            (None, false) => ck.problem(
                at,
                format!(
                    "{what}: tier {} has no up_to; only the last tier may leave it out",
                    i + 1
                ),
            ),
            (Some(_), true) => ck.problem(
                at,
                format!("{what}: the last tier must not have up_to (it is open-ended)"),
            ),
            _ => {}
        }
        if let (Some(u), Some(prev)) = (up_to, out.last().and_then(|p| p.up_to))
            && u <= prev
        {
            ck.problem(
                at,
                format!(
                    "{what}: tiers must increase: tier {} up_to {u} is not above {prev}",
                    i + 1
                ),
            );
        }
        if let Some(u) = up_to
            && u <= Decimal::ZERO
        {
            ck.problem(at, format!("{what}: tier {} up_to must be greater than 0", i + 1));
        }
        out.push(Tier {
            up_to,
            unit_price: ck.non_negative(at, "unit_price", &t.unit_price),
            flat: ck.opt_decimal(at, "flat", &t.flat),
        });
    }
    out
}

/// Concept codes: unique across charges, fees and allocations, except that one concept's
/// charges (or fees) may differ by `obs`; two that apply to one OB at the same level clash.
fn check_concepts(
    ck: &mut Checker<'_>,
    config: &Config,
    raw_charges: &[Spanned<RawCharge>],
    raw_fees: &[Spanned<RawFee>],
    raw_allocations: &[Spanned<RawAllocation>],
) {
    let mut kind_of: HashMap<String, &str> = HashMap::new();
    let mut clash = |ck: &mut Checker<'_>, at: usize, concept: &str, kind: &'static str| {
        if let Some(prev) = kind_of.insert(concept.to_string(), kind)
            && prev != kind
        {
            ck.problem(
                at,
                format!("concept {concept} is used by a {prev} and a {kind}: concept codes must be unique"),
            );
        }
    };
    let charge_items: Vec<(&str, &[String], usize)> = config
        .charges
        .iter()
        .zip(raw_charges)
        .map(|(c, s)| (c.concept.as_str(), c.obs.as_slice(), s.span().start))
        .collect();
    let fee_items: Vec<(&str, &[String], usize)> = config
        .fees
        .iter()
        .zip(raw_fees)
        .map(|(f, s)| (f.concept.as_str(), f.obs.as_slice(), s.span().start))
        .collect();
    for (concept, _, at) in &charge_items {
        clash(ck, *at, concept, "charge");
    }
    for (concept, _, at) in &fee_items {
        clash(ck, *at, concept, "fee");
    }
    for (a, s) in config.allocations.iter().zip(raw_allocations) {
        if kind_of.insert(a.concept.clone(), "allocation").is_some() {
            ck.problem(
                s.span().start,
                format!("concept {} is declared twice: concept codes must be unique", a.concept),
            );
        }
    }
    for items in [&charge_items, &fee_items] {
        for ob in &config.obs {
            let mut level: HashMap<(&str, bool), usize> = HashMap::new();
            for (concept, obs, at) in items.iter() {
                if let Some(specific) = Config::applies(obs, &ob.code)
                    && let Some(prev) = level.insert((concept, specific), *at)
                {
                    let prev_line = ck.line_of(prev);
                    ck.problem(*at, format!("two entries of concept {concept} apply to OB {} at the same level (also line {prev_line}): give them different obs", ob.code));
                }
            }
        }
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Number(n) => write!(f, "{n}"),
            Literal::Text(t) => write!(f, "\"{t}\""),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) const MINIMAL: &str = r#"
[billing]
currency = "EUR"
decimals = 2
rounding = "half_even"
invoice_prefix = "AURA"
issuer = "Global Team"

[[dataset]]
name = "Aura_Audit"
id_field = "event_id"
time_field = "event_ts"
ob_field = "country_id"
exclude = { is_test = [true] }

[[ob]]
code = "BR"
name = "Brasil"
keys = ["BR"]
currency = "BRL"
timezone = "America/Sao_Paulo"
tax_rate = "0.10"
contract_start = 2024-01-01

[[ob]]
code = "ES"
name = "Espana"
keys = ["ES", "ES2"]

[[meter]]
code = "voice"
dataset = "aura_audit"
aggregation = "sum"
field = "audio_ms"
where = { interaction_type = ["voice"] }
divide_by = 60000
unit = "min"

[[charge]]
concept = "VOICE"
meter = "voice"
model = "graduated"
tiers = [ { up_to = "100", unit_price = "1.00" }, { unit_price = 0.5, flat = "2" } ]

[[charge]]
concept = "VOICE"
meter = "voice"
model = "per_unit"
unit_price = "0.9"
obs = ["BR"]

[[fee]]
concept = "PLATFORM"
amount = "1500.00"
prorate = true

[[allocation]]
concept = "CLOUD"
basis = "voice"
amount = "100.00"

[[fx]]
period = "2026-10"
currency = "BRL"
rate = "5.4321"
"#;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("billing.toml"))
    }

    fn issues(text: &str) -> Vec<ConfigIssue> {
        match parse(text) {
            Err(ConfigError::Invalid { issues, .. }) => issues,
            other => panic!("expected validation issues, got {other:?}"),
        }
    }

    #[test]
    fn minimal_config_parses_with_types() {
        let c = parse(MINIMAL).unwrap();
        assert_eq!(c.billing.rounding, Rounding::HalfEven);
        assert_eq!(c.obs[1].currency, "EUR");
        assert_eq!(c.obs[0].timezone, chrono_tz::America::Sao_Paulo);
        assert_eq!(c.obs[0].contract_start, NaiveDate::from_ymd_opt(2024, 1, 1));
        assert_eq!(c.meters[0].divide_by, Decimal::from(60000));
        assert_eq!(c.meters[0].dataset, "Aura_Audit");
        let ChargeModel::Graduated { tiers } = &c.charges[0].model else {
            panic!()
        };
        assert_eq!(tiers[1].unit_price, Decimal::from_str("0.5").unwrap());
        assert_eq!(tiers[1].flat, Decimal::from(2));
        assert_eq!(c.datasets[0].exclude[0].values, vec![Literal::Bool(true)]);
    }

    #[test]
    fn ob_specific_charge_wins() {
        let c = parse(MINIMAL).unwrap();
        let br = c.charges_for("BR");
        assert_eq!(br.len(), 1);
        assert!(matches!(br[0].model, ChargeModel::PerUnit { .. }));
        let es = c.charges_for("ES");
        assert!(matches!(es[0].model, ChargeModel::Graduated { .. }));
    }

    #[test]
    fn fx_lookup() {
        let c = parse(MINIMAL).unwrap();
        let oct = YearMonth::parse("2026-10").unwrap();
        assert_eq!(c.fx_rate("BRL", oct), Some(Decimal::from_str("5.4321").unwrap()));
        assert_eq!(c.fx_rate("EUR", oct), Some(Decimal::ONE));
        assert_eq!(c.fx_rate("BRL", oct.next()), None);
        let problems = c.period_problems(oct.next());
        assert_eq!(problems.len(), 1);
        assert!(problems[0].1.contains("2026-11"), "{}", problems[0].1);
    }

    #[test]
    fn unknown_key_is_a_syntax_error_with_line() {
        let text = MINIMAL.replace("prorate = true", "prorat = true");
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("billing.toml"), "{err}");
        assert!(err.contains("prorat"), "{err}");
        assert!(err.contains("line"), "{err}");
    }

    #[test]
    fn every_validation_names_its_line() {
        let cases: Vec<(String, &str, usize)> = vec![
            (
                MINIMAL.replace(
                    "meter = \"voice\"\nmodel = \"graduated\"",
                    "meter = \"vioce\"\nmodel = \"graduated\"",
                ),
                "meter \"vioce\"",
                39,
            ),
            (
                MINIMAL.replace("dataset = \"aura_audit\"", "dataset = \"Aura_Audt\""),
                "dataset \"Aura_Audt\"",
                30,
            ),
            (
                MINIMAL.replace(
                    "{ up_to = \"100\", unit_price = \"1.00\" }",
                    "{ up_to = \"100\", unit_price = \"1.00\" }, { up_to = \"50\", unit_price = \"1\" }",
                ),
                "tiers must increase",
                39,
            ),
            (MINIMAL.replace("unit_price = \"0.9\"\n", ""), "needs unit_price", 45),
            (MINIMAL.replace("amount = \"1500.00\"\n", ""), "has no amount", 52),
            (MINIMAL.replace("amount = \"100.00\"", ""), "needs a pool", 57),
            (MINIMAL.replace("America/Sao_Paulo", "America/Sao_Paolo"), "IANA", 16),
            (MINIMAL.replace("code = \"ES\"", "code = \"BR\""), "declared twice", 25),
            (MINIMAL.replace("obs = [\"BR\"]", "obs = []"), "same level", 45),
        ];
        for (text, needle, line) in cases {
            let found = issues(&text);
            assert!(
                found.iter().any(|i| i.message.contains(needle) && i.line == line),
                "expected '{needle}' at line {line}, got {found:?}"
            );
        }
    }
}
