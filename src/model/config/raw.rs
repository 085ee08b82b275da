//! The raw TOML shapes of `billing.toml`, as serde reads them. `Spanned` keeps where each
//! entry starts, for line numbers; `validate` turns them into the typed configuration.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(super) enum RawDecimal {
    Text(String),
    Int(i64),
    Float(f64),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(super) enum RawDate {
    Text(String),
    Toml(toml::value::Datetime),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(super) enum RawLiteral {
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(super) enum OneOrMany {
    Many(Vec<RawLiteral>),
    One(RawLiteral),
}

pub(super) type RawConditions = BTreeMap<String, OneOrMany>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    pub(super) billing: Spanned<RawBilling>,
    #[serde(default)]
    pub(super) dataset: Vec<Spanned<RawDataset>>,
    #[serde(default)]
    pub(super) dimension: Vec<Spanned<RawDimension>>,
    #[serde(default)]
    pub(super) ob: Vec<Spanned<RawOb>>,
    #[serde(default)]
    pub(super) ob_table: Vec<Spanned<RawObTable>>,
    #[serde(default)]
    pub(super) meter: Vec<Spanned<RawMeter>>,
    #[serde(default)]
    pub(super) charge: Vec<Spanned<RawCharge>>,
    #[serde(default)]
    pub(super) fee: Vec<Spanned<RawFee>>,
    #[serde(default)]
    pub(super) allocation: Vec<Spanned<RawAllocation>>,
    #[serde(default)]
    pub(super) fx: Vec<Spanned<RawFx>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBilling {
    pub(super) currency: String,
    #[serde(default = "default_decimals")]
    pub(super) decimals: u32,
    #[serde(default)]
    pub(super) rounding: Option<String>,
    #[serde(default)]
    pub(super) invoice_prefix: Option<String>,
    #[serde(default)]
    pub(super) issuer: Option<String>,
    #[serde(default)]
    pub(super) register: Option<String>,
    #[serde(default)]
    pub(super) logo: Option<String>,
}

pub(super) fn default_decimals() -> u32 {
    2
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDataset {
    pub(super) name: String,
    pub(super) id_field: String,
    pub(super) time_field: String,
    pub(super) ob_field: String,
    #[serde(default)]
    pub(super) exclude: RawConditions,
    #[serde(default)]
    pub(super) version: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDimension {
    pub(super) field: String,
    pub(super) dataset: String,
    pub(super) key: String,
    pub(super) label: String,
    #[serde(default)]
    pub(super) required: bool,
    #[serde(default)]
    pub(super) version: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOb {
    pub(super) code: String,
    pub(super) name: String,
    pub(super) keys: Vec<String>,
    #[serde(default)]
    pub(super) currency: Option<String>,
    #[serde(default)]
    pub(super) timezone: Option<String>,
    #[serde(default)]
    pub(super) tax_rate: Option<RawDecimal>,
    #[serde(default)]
    pub(super) contract_start: Option<RawDate>,
    #[serde(default)]
    pub(super) contract_end: Option<RawDate>,
    #[serde(default)]
    pub(super) language: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawObTable {
    pub(super) dataset: String,
    #[serde(default)]
    pub(super) version: Option<u32>,
    pub(super) code: String,
    pub(super) name: String,
    pub(super) keys: String,
    #[serde(default)]
    pub(super) currency: Option<String>,
    #[serde(default)]
    pub(super) timezone: Option<String>,
    #[serde(default)]
    pub(super) tax_rate: Option<RawDecimal>,
    #[serde(default)]
    pub(super) language: Option<String>,
    #[serde(default)]
    pub(super) currency_column: Option<String>,
    #[serde(default)]
    pub(super) timezone_column: Option<String>,
    #[serde(default)]
    pub(super) tax_rate_column: Option<String>,
    #[serde(default)]
    pub(super) contract_start_column: Option<String>,
    #[serde(default)]
    pub(super) contract_end_column: Option<String>,
    #[serde(default)]
    pub(super) language_column: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMeter {
    pub(super) code: String,
    #[serde(default)]
    pub(super) name: Option<String>,
    pub(super) dataset: String,
    pub(super) aggregation: String,
    #[serde(default)]
    pub(super) field: Option<String>,
    #[serde(default, rename = "where")]
    pub(super) where_: RawConditions,
    #[serde(default)]
    pub(super) divide_by: Option<RawDecimal>,
    #[serde(default)]
    pub(super) unit: Option<String>,
    #[serde(default)]
    pub(super) breakdown: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTier {
    #[serde(default)]
    pub(super) up_to: Option<RawDecimal>,
    pub(super) unit_price: RawDecimal,
    #[serde(default)]
    pub(super) flat: Option<RawDecimal>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCharge {
    pub(super) concept: String,
    #[serde(default)]
    pub(super) description: Option<String>,
    pub(super) meter: String,
    pub(super) model: String,
    #[serde(default)]
    pub(super) tiers: Option<Vec<Spanned<RawTier>>>,
    #[serde(default)]
    pub(super) unit_price: Option<RawDecimal>,
    #[serde(default)]
    pub(super) package_size: Option<RawDecimal>,
    #[serde(default)]
    pub(super) package_price: Option<RawDecimal>,
    #[serde(default)]
    pub(super) included: Option<RawDecimal>,
    #[serde(default)]
    pub(super) minimum: Option<RawDecimal>,
    #[serde(default)]
    pub(super) obs: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFee {
    pub(super) concept: String,
    #[serde(default)]
    pub(super) description: Option<String>,
    #[serde(default)]
    pub(super) amount: Option<RawDecimal>,
    #[serde(default)]
    pub(super) prorate: bool,
    #[serde(default)]
    pub(super) obs: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAllocation {
    pub(super) concept: String,
    #[serde(default)]
    pub(super) description: Option<String>,
    pub(super) basis: String,
    #[serde(default)]
    pub(super) pool: Option<String>,
    #[serde(default)]
    pub(super) amount: Option<RawDecimal>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFx {
    pub(super) period: String,
    pub(super) currency: String,
    pub(super) rate: RawDecimal,
}

// ---------------------------------------------------------------------------------------
