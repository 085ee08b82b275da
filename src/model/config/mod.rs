//! The billing configuration (`billing.toml`, docs/configuration.md): parsed once, validated, then typed.
//!
//! Every problem names the file, the line and what to change. This module parses the text
//! it is given (the import reads the file) and knows nothing of datasets or rating: the
//! raw TOML shapes are in `raw`, their conversion and checks in `validate`.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use chrono_tz::Tz;
use rust_decimal::Decimal;

use super::money::{Rounding, decimal_from_f64};
use super::period::YearMonth;
use super::table::{FieldPlan, Form};

mod checker;
mod ob_table;
mod raw;
mod validate;
pub use ob_table::{LANGUAGES, ObTableConfig, TableRow, language};
pub use validate::url_has_password;

use checker::Checker;
use raw::RawConfig;
use validate::convert;

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
    /// `[billing] register`: a SQLite path (from the configuration's folder) or a
    /// `postgres://` URL.
    pub register: Option<String>,
    /// `[billing] logo`: a PNG or JPEG printed on every invoice instead of the product's
    /// own, from the configuration's folder.
    pub logo: Option<PathBuf>,
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
    /// The language of the OB's invoices: `en`, `es` or `pt-BR`.
    pub language: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr, strum::VariantNames)]
#[strum(serialize_all = "snake_case")]
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

/// How a charge prices its meter's quantity (docs/rating.md); `ModelKind` is the `model` name
/// alone (`per_unit`, `graduated`, `volume`, `package`).
#[derive(Debug, Clone, PartialEq, strum::EnumDiscriminants)]
#[strum_discriminants(
    name(ModelKind),
    derive(strum::EnumString, strum::IntoStaticStr, strum::VariantNames),
    strum(serialize_all = "snake_case")
)]
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
    /// `[[ob_table]]`: OBs read from datasets of the data folder (added to `obs` by the
    /// load, after the `[[ob]]` entries).
    pub ob_tables: Vec<ObTableConfig>,
    pub meters: Vec<MeterConfig>,
    pub charges: Vec<ChargeConfig>,
    pub fees: Vec<FeeConfig>,
    pub allocations: Vec<AllocationConfig>,
    pub fx: Vec<FxRate>,
    /// The bytes of `[billing] logo`, read with the configuration.
    pub logo: Option<std::sync::Arc<Vec<u8>>>,
}

/// The dataset that feeds allocation pools.
pub const PLATFORM_COST: &str = "Platform_Cost";

/// One problem in the configuration, at a line.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigIssue {
    pub line: usize,
    pub message: String,
    /// Where the problem is when the configuration came from a rate-card workbook:
    /// `sheet!F7` (shown instead of the line).
    pub at: Option<String>,
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

impl ConfigIssue {
    /// `file:line: message`, or `file: sheet!F7: message` for a rate card.
    pub fn render(&self, path: &Path) -> String {
        match &self.at {
            Some(at) => format!("{}: {at}: {}", path.display(), self.message),
            None => format!("{}:{}: {}", path.display(), self.line, self.message),
        }
    }
}

fn render_issues(path: &Path, issues: &[ConfigIssue]) -> String {
    let mut out = format!("{}: {} problem(s) in the configuration", path.display(), issues.len());
    for issue in issues {
        out.push_str("\n  ");
        out.push_str(&issue.render(path));
    }
    out
}

impl Config {
    /// Parses and validates configuration text; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        Config::parse_located(text, path, &|_, _| None)
    }

    /// `parse`, for configuration text generated from another form (the rate-card
    /// workbook): `locate(line, message)` names where a problem on that line of the text
    /// really is (`ob!F7`), and messages name that place instead of the line.
    pub fn parse_located(
        text: &str,
        path: &Path,
        locate: &dyn Fn(usize, &str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let line_of = |offset: usize| text[..offset.min(text.len())].bytes().filter(|b| *b == b'\n').count() + 1;
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let located = e.span().and_then(|span| locate(line_of(span.start), e.message()));
            ConfigError::Syntax {
                path: path.to_path_buf(),
                message: match located {
                    Some(at) => format!("{at}: {}", e.message().trim_end()),
                    None => e.to_string().trim_end().to_string(),
                },
            }
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
            for issue in &mut ck.issues {
                issue.at = locate(issue.line, &issue.message);
            }
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

    /// The version a dataset is pinned to (`[[dataset]] version`, else the `version` of a
    /// `[[dimension]]` read from it): the one place every reader resolves it. `None`
    /// means the highest version in the folder.
    pub fn pinned_version(&self, name: &str) -> Option<u32> {
        self.dataset(name).and_then(|d| d.version).or_else(|| {
            self.dimensions
                .iter()
                .find(|d| d.dataset.eq_ignore_ascii_case(name))
                .and_then(|d| d.version)
                .or_else(|| {
                    self.ob_tables
                        .iter()
                        .find(|t| t.dataset.eq_ignore_ascii_case(name))
                        .and_then(|t| t.version)
                })
        })
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
        names.extend(self.ob_tables.iter().map(|t| t.dataset.to_ascii_lowercase()));
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

    /// The fields a usage dataset must be read with, and how (by what they are used for: docs/datasets.md).
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
    use std::str::FromStr;

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
    fn rounding_and_aggregation_names_are_listed_when_wrong() {
        let text = MINIMAL
            .replace("rounding = \"half_even\"", "rounding = \"half_down\"")
            .replace("aggregation = \"sum\"", "aggregation = \"total\"");
        let messages: Vec<String> = issues(&text).into_iter().map(|i| i.message).collect();
        assert!(
            messages.contains(&"rounding must be \"half_up\" or \"half_even\", got \"half_down\"".to_string()),
            "{messages:?}"
        );
        assert!(
            messages.contains(
                &"meter voice: aggregation must be count, sum, count_distinct, max or latest, got \"total\""
                    .to_string()
            ),
            "{messages:?}"
        );
    }

    #[test]
    fn an_unknown_charge_model_lists_the_models() {
        let text = MINIMAL.replace("model = \"per_unit\"", "model = \"flat\"");
        let messages: Vec<String> = issues(&text).into_iter().map(|i| i.message).collect();
        assert!(
            messages.contains(
                &"charge VOICE: model must be per_unit, graduated, volume or package, got \"flat\"".to_string()
            ),
            "{messages:?}"
        );
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
                // A tier's problem names the tier's own line.
                "tiers must increase",
                43,
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
