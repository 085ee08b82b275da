//! From the raw TOML shapes to the typed configuration: every value checked, every
//! problem collected with its line (docs/configuration.md).

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::str::FromStr;

use chrono_tz::Tz;
use rust_decimal::Decimal;

use toml::Spanned;

use super::checker::{Checker, parse_aggregation, parse_rounding};
use super::raw::*;
use super::*;

pub(super) fn convert(ck: &mut Checker<'_>, raw: RawConfig, path: &Path) -> Config {
    let config_dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let billing = billing(ck, raw.billing, config_dir);
    let datasets = datasets(ck, &raw.dataset);
    let dimensions = dimensions(ck, &raw.dimension);
    let ob_tables = super::ob_table::validate(ck, &raw.ob_table);
    let obs = obs(ck, &raw.ob, &billing, !ob_tables.is_empty());
    let meters = meters(ck, &raw.meter, &datasets);
    // With OB tables, the OBs charges and fees list are checked once the tables are read.
    let ob_codes: Option<BTreeSet<&str>> = ob_tables
        .is_empty()
        .then(|| obs.iter().map(|o| o.code.as_str()).collect());
    let charges = charges(ck, &raw.charge, &meters, ob_codes.as_ref());
    let fees = fees(ck, &raw.fee, ob_codes.as_ref());
    let allocations = allocations(ck, &raw.allocation, &meters);
    let fx = fx(ck, &raw.fx);
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
        ob_tables,
        meters,
        charges,
        fees,
        allocations,
        fx,
        logo: None,
    };
    check_concepts(ck, &config, &raw.charge, &raw.fee, &raw.allocation);
    config
}

fn billing(ck: &mut Checker<'_>, raw: Spanned<RawBilling>, config_dir: &Path) -> BillingSettings {
    let b_at = raw.span().start;
    let rb = raw.into_inner();
    let rounding = parse_rounding(rb.rounding.as_deref()).unwrap_or_else(|m| {
        ck.problem(b_at, m);
        Rounding::HalfUp
    });
    if rb.register.as_deref().is_some_and(url_has_password) {
        ck.problem(
            b_at,
            "register: the URL holds a password; remove it and give it in PGPASSWORD or ~/.pgpass".to_string(),
        );
    }
    if rb.decimals > 6 {
        ck.problem(b_at, format!("decimals must be between 0 and 6, got {}", rb.decimals));
    }
    BillingSettings {
        currency: rb.currency.trim().to_string(),
        decimals: rb.decimals.min(6),
        rounding,
        invoice_prefix: rb.invoice_prefix.unwrap_or_else(|| "INV".to_string()),
        issuer: rb.issuer.unwrap_or_default(),
        register: rb.register.filter(|r| !r.trim().is_empty()),
        logo: rb.logo.filter(|l| !l.trim().is_empty()).map(|l| {
            let p = Path::new(l.trim());
            if p.is_relative() {
                config_dir.join(p)
            } else {
                p.to_path_buf()
            }
        }),
    }
}

fn datasets(ck: &mut Checker<'_>, raw: &[Spanned<RawDataset>]) -> Vec<DatasetConfig> {
    let mut datasets = Vec::new();
    let mut seen = HashMap::new();
    for s in raw {
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
    datasets
}

fn dimensions(ck: &mut Checker<'_>, raw: &[Spanned<RawDimension>]) -> Vec<DimensionConfig> {
    let mut dimensions = Vec::new();
    let mut seen = HashMap::new();
    for s in raw {
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
    dimensions
}

fn obs(ck: &mut Checker<'_>, raw: &[Spanned<RawOb>], billing: &BillingSettings, tables: bool) -> Vec<ObConfig> {
    let mut obs: Vec<ObConfig> = Vec::new();
    let mut key_owner: HashMap<String, String> = HashMap::new();
    for s in raw {
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
            language: match o.language.as_deref() {
                None => "en".to_string(),
                Some(l) => crate::model::config::language(l).map_or_else(
                    || {
                        ck.problem(
                            at,
                            format!("OB {}: language \"{l}\" is not one of en, es, pt-BR", o.code),
                        );
                        "en".to_string()
                    },
                    str::to_string,
                ),
            },
        });
    }
    if obs.is_empty() && !tables {
        ck.problem(0, "no [[ob]] is configured: add at least one OB to invoice");
    }
    obs
}

fn meters(ck: &mut Checker<'_>, raw: &[Spanned<RawMeter>], datasets: &[DatasetConfig]) -> Vec<MeterConfig> {
    let dataset_names: BTreeSet<String> = datasets.iter().map(|d| d.name.to_ascii_lowercase()).collect();
    let mut meters: Vec<MeterConfig> = Vec::new();
    for s in raw {
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
                    "meter {}: aggregation must be {}, got \"{}\"",
                    m.code,
                    super::checker::one_of(<Aggregation as strum::VariantNames>::VARIANTS, false),
                    m.aggregation
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
    meters
}

/// A problem for every OB a `[[charge]]` or `[[fee]]` lists that no `[[ob]]` declares.
fn check_obs(ck: &mut Checker<'_>, ob_codes: Option<&BTreeSet<&str>>, at: usize, what: &str, list: &[String]) {
    let Some(ob_codes) = ob_codes else { return };
    for code in list {
        if !ob_codes.contains(code.as_str()) {
            ck.problem(at, format!("{what} lists OB \"{code}\", which no [[ob]] declares"));
        }
    }
}

fn charges(
    ck: &mut Checker<'_>,
    raw: &[Spanned<RawCharge>],
    meters: &[MeterConfig],
    ob_codes: Option<&BTreeSet<&str>>,
) -> Vec<ChargeConfig> {
    let mut charges = Vec::new();
    for s in raw {
        let at = s.span().start;
        let c = s.get_ref();
        let what = format!("charge {}", c.concept);
        if !meters.iter().any(|m| m.code == c.meter) {
            ck.problem(
                at,
                format!("{what} uses meter \"{}\", which no [[meter]] declares", c.meter),
            );
        }
        check_obs(ck, ob_codes, at, &what, &c.obs);
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
    charges
}

fn fees(ck: &mut Checker<'_>, raw: &[Spanned<RawFee>], ob_codes: Option<&BTreeSet<&str>>) -> Vec<FeeConfig> {
    let mut fees = Vec::new();
    for s in raw {
        let at = s.span().start;
        let f = s.get_ref();
        check_obs(ck, ob_codes, at, &format!("fee {}", f.concept), &f.obs);
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
    fees
}

fn allocations(ck: &mut Checker<'_>, raw: &[Spanned<RawAllocation>], meters: &[MeterConfig]) -> Vec<AllocationConfig> {
    let mut allocations = Vec::new();
    for s in raw {
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
    allocations
}

fn fx(ck: &mut Checker<'_>, raw: &[Spanned<RawFx>]) -> Vec<FxRate> {
    let mut fx: Vec<FxRate> = Vec::new();
    for s in raw {
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
    fx
}

fn charge_model(ck: &mut Checker<'_>, at: usize, what: &str, c: &RawCharge) -> ChargeModel {
    let need = |ck: &mut Checker<'_>, name: &str, v: &Option<RawDecimal>| match v {
        Some(v) => ck.non_negative(at, name, v),
        None => {
            ck.problem(at, format!("{what}: model {} needs {name}", c.model));
            Decimal::ZERO
        }
    };
    let Ok(kind) = c.model.parse::<ModelKind>() else {
        ck.problem(
            at,
            format!(
                "{what}: model must be {}, got \"{}\"",
                super::checker::one_of(<ModelKind as strum::VariantNames>::VARIANTS, false),
                c.model
            ),
        );
        return ChargeModel::PerUnit {
            unit_price: Decimal::ZERO,
        };
    };
    match kind {
        ModelKind::PerUnit => ChargeModel::PerUnit {
            unit_price: need(ck, "unit_price", &c.unit_price),
        },
        ModelKind::Package => {
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
        ModelKind::Graduated => ChargeModel::Graduated {
            tiers: tiers(ck, at, what, c.tiers.as_deref()),
        },
        ModelKind::Volume => ChargeModel::Volume {
            tiers: tiers(ck, at, what, c.tiers.as_deref()),
        },
    }
}

fn tiers(ck: &mut Checker<'_>, at: usize, what: &str, raw: Option<&[Spanned<RawTier>]>) -> Vec<Tier> {
    let Some(raw) = raw.filter(|t| !t.is_empty()) else {
        ck.problem(at, format!("{what}: this model needs tiers = [ {{ up_to = \"100\", unit_price = \"1.00\" }}, {{ unit_price = \"0.50\" }} ]"));
        return Vec::new();
    };
    let mut out: Vec<Tier> = Vec::new();
    for (i, spanned) in raw.iter().enumerate() {
        // Problems of one tier point at that tier.
        let at = spanned.span().start;
        let t = spanned.get_ref();
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

/// Whether a `scheme://user:password@host/...` URL carries a password (never accepted in a
/// configuration or on the command line: it would end up in files and messages).
pub fn url_has_password(url: &str) -> bool {
    url.split_once("://").is_some_and(|(_, rest)| {
        rest.split(['/', '?'])
            .next()
            .and_then(|authority| authority.rsplit_once('@'))
            .is_some_and(|(userinfo, _)| userinfo.contains(':'))
    })
}
