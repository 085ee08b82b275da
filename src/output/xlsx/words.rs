//! The words of the Invoice sheet in the OB's language (`[[ob]] language`): one TOML file
//! per language in `lang/`, built into the binary, the same keys in each (a test checks).

use std::sync::OnceLock;

use serde::Deserialize;

/// Every text of the Invoice and credit-note sheets that is not data.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Words {
    pub title_invoice: String,
    pub title_credit_note: String,
    pub invoice_number: String,
    pub credit_note_number: String,
    pub ob: String,
    pub legal_entity: String,
    pub period: String,
    pub period_start: String,
    pub period_end: String,
    pub issue_date: String,
    pub currency: String,
    pub issuer: String,
    pub status: String,
    pub concept: String,
    pub description: String,
    pub quantity: String,
    pub unit: String,
    pub unit_price: String,
    pub amount: String,
    pub share: String,
    pub subtotal: String,
    pub tax: String,
    pub total: String,
    pub tax_at: String,
    pub amount_due: String,
    pub amount_credited: String,
    pub period_note: String,
    pub draft_equals: String,
    pub draft_differs: String,
}

const FILES: [(&str, &str); 3] = [
    ("en", include_str!("lang/en.toml")),
    ("es", include_str!("lang/es.toml")),
    ("pt-BR", include_str!("lang/pt-BR.toml")),
];

fn all() -> &'static Vec<(&'static str, Words)> {
    static WORDS: OnceLock<Vec<(&'static str, Words)>> = OnceLock::new();
    WORDS.get_or_init(|| {
        FILES
            .iter()
            .map(|(code, text)| {
                // The files are part of the build and checked by a test: a broken one is a
                // bug of this build, not of the user's input.
                #[allow(clippy::expect_used)]
                let words = toml::from_str(text).expect("a translation file of this build is broken");
                (*code, words)
            })
            .collect()
    })
}

/// The words of a language (`en`, `es`, `pt-BR`), English for any other.
pub fn words(language: &str) -> &'static Words {
    let all = all();
    all.iter()
        .find(|(code, _)| code.eq_ignore_ascii_case(language))
        .or_else(|| all.first())
        .map(|(_, w)| w)
        .unwrap_or_else(|| unreachable!("the English words are built in"))
}

/// Fills `{name}` placeholders.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_word_and_the_same_placeholders() {
        let en = words("en");
        for (code, _) in FILES {
            let w = words(code);
            for (a, b) in [
                (&en.tax_at, &w.tax_at),
                (&en.amount_due, &w.amount_due),
                (&en.period_note, &w.period_note),
                (&en.draft_equals, &w.draft_equals),
                (&en.draft_differs, &w.draft_differs),
            ] {
                let holes = |t: &str| {
                    let mut v: Vec<String> = t
                        .split('{')
                        .skip(1)
                        .filter_map(|p| p.split_once('}'))
                        .map(|(h, _)| h.to_string())
                        .collect();
                    v.sort();
                    v
                };
                assert_eq!(holes(a), holes(b), "{code}: {b}");
            }
        }
        assert_eq!(words("pt-br").title_invoice, "FATURA");
        assert_eq!(words("es").title_credit_note, "NOTA DE CRÉDITO");
        assert_eq!(words("xx").title_invoice, "INVOICE");
        assert_eq!(fill("Tax at {rate} %", &[("rate", "21")]), "Tax at 21 %");
    }
}
