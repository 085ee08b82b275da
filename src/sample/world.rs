//! The fictional world of the sample: eight OBs of very different sizes, their brands,
//! apps, channels, skills and users, and how they use the assistant.

use chrono_tz::Tz;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{Batch, Col, SampleOptions, days_since_epoch, event_time, month_days, pick, zipf};

/// One OB of the sample.
pub struct SampleOb {
    pub code: &'static str,
    pub name: &'static str,
    pub country: &'static str,
    pub tz: Tz,
    pub weight: f64,
    pub users: u32,
}

pub const OBS: [(&str, &str, &str, &str, &str, f64, u32); 8] = [
    (
        "ES",
        "Telefonica de Espana S.A.U.",
        "EUR",
        "Europe/Madrid",
        "0.21",
        0.30,
        60_000,
    ),
    (
        "BR",
        "Telefonica Brasil S.A.",
        "BRL",
        "America/Sao_Paulo",
        "0.00",
        0.26,
        80_000,
    ),
    (
        "DE",
        "Telefonica Germany GmbH & Co. OHG",
        "EUR",
        "Europe/Berlin",
        "0.19",
        0.16,
        40_000,
    ),
    (
        "GB",
        "Telefonica UK Limited",
        "GBP",
        "Europe/London",
        "0.20",
        0.10,
        30_000,
    ),
    (
        "MX",
        "Pegaso PCS S.A. de C.V.",
        "MXN",
        "America/Mexico_City",
        "0.16",
        0.09,
        20_000,
    ),
    (
        "AR",
        "Telefonica de Argentina S.A.",
        "ARS",
        "America/Argentina/Buenos_Aires",
        "0.21",
        0.05,
        10_000,
    ),
    (
        "PE",
        "Telefonica del Peru S.A.A.",
        "PEN",
        "America/Lima",
        "0.18",
        0.03,
        6_000,
    ),
    (
        "CO",
        "Colombia Telecomunicaciones S.A. E.S.P.",
        "COP",
        "America/Bogota",
        "0.19",
        0.01,
        2_000,
    ),
];

const APPS: [&str; 8] = [
    "Mi Movistar",
    "Aura Home",
    "Vivo Easy",
    "O2 My Account",
    "Movistar Plus+",
    "Aura TV",
    "Smart WiFi",
    "Living Apps",
];
const CHANNELS: [&str; 6] = [
    "Mobile app",
    "Web",
    "WhatsApp",
    "Voice IVR",
    "Set-top box",
    "Smart speaker",
];
const COMPONENTS: [&str; 5] = ["NLU", "Dialog manager", "TTS", "ASR", "Vision"];
const RECOGNIZERS: [(&str, &str); 4] = [
    ("Neural ASR", "Microsoft"),
    ("Whisper", "OpenAI"),
    ("Chirp", "Google"),
    ("Nova", "Deepgram"),
];
const PRESETS: [&str; 4] = ["Default", "Kids", "Accessibility", "Sales"];
const CONTACT: [&str; 4] = ["Customer care", "Sales", "Technical support", "Self-service"];
const SKILLS: [&str; 16] = [
    "Check balance",
    "Pay bill",
    "Top up",
    "Roaming info",
    "Data usage",
    "Change plan",
    "Report fault",
    "Track order",
    "Find store",
    "TV guide",
    "Record show",
    "WiFi password",
    "Parental control",
    "Book technician",
    "Device help",
    "Chit-chat",
];

/// Static description plus derived weights.
pub(super) struct World {
    pub obs: Vec<SampleOb>,
    ob_weights: Vec<f64>,
    seed: u64,
}

impl World {
    pub(super) fn new(seed: u64) -> World {
        let obs: Vec<SampleOb> = OBS
            .iter()
            .map(|(code, name, _currency, tz, _tax, weight, users)| SampleOb {
                code,
                name,
                country: code,
                tz: tz.parse().unwrap_or(chrono_tz::UTC),
                weight: *weight,
                users: *users,
            })
            .collect();
        let ob_weights = obs.iter().map(|o| o.weight).collect();
        World { obs, ob_weights, seed }
    }

    fn text(v: Vec<String>) -> Col {
        Col::Text(v.into_iter().map(Some).collect())
    }

    /// The dimension tables, as (dataset name, rows).
    pub(super) fn dimension_tables(&self) -> Vec<(&'static str, Batch)> {
        let ids = |prefix: &str, n: usize| (1..=n).map(|i| format!("{prefix}{i:03}")).collect::<Vec<_>>();
        let names = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let mut brands = Vec::new();
        let mut brand_names = Vec::new();
        for ob in &self.obs {
            for (k, label) in ["Movistar", "Vivo", "O2", "Tuenti"].iter().enumerate().take(2) {
                brands.push(format!("{}-B{}", ob.code, k + 1));
                brand_names.push(format!("{label} {}", ob.code));
            }
        }
        let skill_apps: Vec<String> = (0..SKILLS.len())
            .map(|i| format!("APP{:03}", i % APPS.len() + 1))
            .collect();
        vec![
            (
                "D_Aura_App",
                Batch {
                    fields: vec![("app_id", false), ("app_name", false)],
                    cols: vec![Self::text(ids("APP", APPS.len())), Self::text(names(&APPS))],
                },
            ),
            (
                "D_Aura_Channel",
                Batch {
                    fields: vec![("channel_id", false), ("channel_name", false)],
                    cols: vec![Self::text(ids("CH", CHANNELS.len())), Self::text(names(&CHANNELS))],
                },
            ),
            (
                "D_Aura_Component",
                Batch {
                    fields: vec![("component_id", false), ("component_name", false)],
                    cols: vec![Self::text(ids("CMP", COMPONENTS.len())), Self::text(names(&COMPONENTS))],
                },
            ),
            (
                "D_Aura_Preset",
                Batch {
                    fields: vec![("preset_id", false), ("preset_name", false)],
                    cols: vec![Self::text(ids("PRE", PRESETS.len())), Self::text(names(&PRESETS))],
                },
            ),
            (
                "D_Aura_Recognizer",
                Batch {
                    fields: vec![("recognizer_id", false), ("recognizer_name", false), ("vendor", false)],
                    cols: vec![
                        Self::text(ids("REC", RECOGNIZERS.len())),
                        Self::text(RECOGNIZERS.iter().map(|r| r.0.to_string()).collect()),
                        Self::text(RECOGNIZERS.iter().map(|r| r.1.to_string()).collect()),
                    ],
                },
            ),
            (
                "D_Aura_Skill",
                Batch {
                    fields: vec![("skill_id", false), ("skill_name", false), ("app_id", false)],
                    cols: vec![
                        Self::text(ids("SK", SKILLS.len())),
                        Self::text(names(&SKILLS)),
                        Self::text(skill_apps),
                    ],
                },
            ),
            (
                "D_Gbl_Brand",
                Batch {
                    fields: vec![("brand_id", false), ("brand_name", false)],
                    cols: vec![Self::text(brands), Self::text(brand_names)],
                },
            ),
            (
                "D_Gbl_Contact_Channel",
                Batch {
                    fields: vec![("contact_channel_id", false), ("contact_channel_name", false)],
                    cols: vec![Self::text(ids("CC", CONTACT.len())), Self::text(names(&CONTACT))],
                },
            ),
            (
                "D_Gbl_Country",
                Batch {
                    fields: vec![("country_id", false), ("country_name", false), ("iso_code", false)],
                    cols: vec![
                        Self::text(self.obs.iter().map(|o| o.country.to_string()).collect()),
                        Self::text(
                            self.obs
                                .iter()
                                .map(|o| o.name.split(' ').next().unwrap_or("").to_string() + " " + o.code)
                                .collect(),
                        ),
                        Self::text(self.obs.iter().map(|o| o.code.to_string()).collect()),
                    ],
                },
            ),
        ]
    }

    /// One batch of Aura_Audit events, with the anomalies real exports have.
    pub(super) fn audit_batch(&self, rng: &mut ChaCha8Rng, opts: &SampleOptions, n: usize, serial: &mut u64) -> Batch {
        let app_w = zipf(APPS.len());
        let ch_w = [0.38, 0.22, 0.2, 0.12, 0.05, 0.03];
        let skill_w = zipf(SKILLS.len());
        let mut c = AuditCols::with_capacity(n);
        for _ in 0..n {
            // A re-exported copy of the previous event: same id, same content.
            if c.len() > 0 && rng.random::<f64>() < 0.003 {
                c.repeat_last();
                continue;
            }
            *serial += 1;
            let ob = &self.obs[pick(rng, &self.ob_weights)];
            let ts = event_time(rng, ob.tz, opts);
            let kind = pick(rng, &[0.55, 0.35, 0.10]);
            let app = pick(rng, &app_w);
            let roll = rng.random::<f64>();
            let country = if roll < 0.0008 {
                Some("XX".to_string())
            } else if roll < 0.0011 {
                None
            } else {
                Some(ob.country.to_string())
            };
            c.event_id.push(Some(super::event_id(opts, self.seed, *serial)));
            c.event_ts.push(ts);
            c.country_id.push(country);
            c.brand_id.push(if rng.random::<f64>() < 0.05 {
                None
            } else {
                Some(format!("{}-B{}", ob.code, 1 + usize::from(rng.random::<f64>() < 0.3)))
            });
            c.app_id.push(Some(if rng.random::<f64>() < 0.002 {
                "APP999".to_string()
            } else {
                format!("APP{:03}", app + 1)
            }));
            c.channel_id.push(Some(format!("CH{:03}", pick(rng, &ch_w) + 1)));
            c.component_id.push(if rng.random::<f64>() < 0.2 {
                None
            } else {
                Some(format!("CMP{:03}", rng.random_range(1..=COMPONENTS.len())))
            });
            c.skill_id.push(if rng.random::<f64>() < 0.1 {
                None
            } else {
                Some(format!("SK{:03}", pick(rng, &skill_w) + 1))
            });
            c.recognizer_id.push(if kind == 1 {
                Some(format!("REC{:03}", pick(rng, &[0.6, 0.2, 0.15, 0.05]) + 1))
            } else {
                None
            });
            c.preset_id
                .push(Some(format!("PRE{:03}", pick(rng, &[0.8, 0.08, 0.07, 0.05]) + 1)));
            c.contact_channel_id.push(if rng.random::<f64>() < 0.3 {
                None
            } else {
                Some(format!("CC{:03}", rng.random_range(1..=CONTACT.len())))
            });
            if opts.high_cardinality {
                let (user, session) = super::drawn_user(rng, opts, self.seed, ob.code, ob.weight);
                c.user_id.push(Some(user));
                c.session_id.push(Some(session));
            } else {
                let user = (rng.random::<f64>().powi(3) * f64::from(ob.users)) as u32;
                c.user_id.push(Some(format!("u-{}-{user:06}", ob.code)));
                c.session_id.push(Some(format!("s-{}-{:07}", ob.code, *serial / 4)));
            }
            c.interaction_type
                .push(Some(["text", "voice", "image"][kind].to_string()));
            let audio = if kind == 1 {
                if rng.random::<f64>() < 0.001 {
                    None
                } else {
                    Some((2_000.0 + rng.random::<f64>().powi(2) * 118_000.0) as i64)
                }
            } else {
                None
            };
            c.audio_ms.push(audio);
            let mut tokens_in = rng.random_range(40..1_800) as i64;
            if rng.random::<f64>() < 0.0005 {
                tokens_in = -tokens_in;
            }
            c.tokens_in.push(if kind == 2 && rng.random::<f64>() < 0.5 {
                None
            } else {
                Some(tokens_in)
            });
            c.tokens_out.push(Some(rng.random_range(10..900)));
            c.image_kb.push(if kind == 2 {
                Some(f64::from(rng.random_range(200..48_000u32)) / 10.0)
            } else {
                None
            });
            c.provider.push(Some(
                if rng.random::<f64>() < 0.06 {
                    "contingency"
                } else {
                    "primary"
                }
                .to_string(),
            ));
            c.is_test.push(rng.random::<f64>() < 0.012);
        }
        c.into_batch()
    }

    /// Aura_Gateway_Message: one summary per channel, brand, direction and hour.
    pub(super) fn gateway_messages(
        &self,
        opts: &SampleOptions,
        write: &mut dyn FnMut(Batch) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed ^ 0x6a7e);
        let total = (opts.events / if opts.high_cardinality { 4 } else { 10 }).max(100);
        let mut serial = 0u64;
        let mut left = total;
        while left > 0 {
            let n = left.min(super::BATCH as u64) as usize;
            let mut f: [Vec<Option<String>>; 6] = Default::default();
            let mut ts = Vec::with_capacity(n);
            let (mut count, mut bytes) = (Vec::with_capacity(n), Vec::with_capacity(n));
            for _ in 0..n {
                serial += 1;
                let ob = &self.obs[pick(&mut rng, &self.ob_weights)];
                let msgs = rng.random_range(1..40i64);
                f[0].push(Some(format!("msg-{serial:010}")));
                ts.push(event_time(&mut rng, ob.tz, opts));
                f[1].push(Some(ob.country.to_string()));
                f[2].push(if rng.random::<f64>() < 0.1 {
                    None
                } else {
                    Some(format!("{}-B1", ob.code))
                });
                f[3].push(Some(format!("CH{:03}", rng.random_range(1..=3))));
                f[4].push(Some(
                    if rng.random::<f64>() < 0.45 {
                        "inbound"
                    } else {
                        "outbound"
                    }
                    .to_string(),
                ));
                f[5].push(Some(
                    if rng.random::<f64>() < 0.03 {
                        "failed"
                    } else {
                        "delivered"
                    }
                    .to_string(),
                ));
                count.push(Some(msgs));
                bytes.push(Some(msgs * rng.random_range(200..4_000i64)));
            }
            let [id, country, brand, channel, direction, status] = f;
            write(Batch {
                fields: vec![
                    ("message_id", false),
                    ("message_ts", false),
                    ("country_id", false),
                    ("brand_id", true),
                    ("channel_id", false),
                    ("direction", false),
                    ("message_count", false),
                    ("payload_bytes", false),
                    ("status", false),
                ],
                cols: vec![
                    Col::Text(id),
                    Col::TimeMs(ts),
                    Col::Text(country),
                    Col::Text(brand),
                    Col::Text(channel),
                    Col::Text(direction),
                    Col::Long(count),
                    Col::Long(bytes),
                    Col::Text(status),
                ],
            })?;
            left -= n as u64;
        }
        Ok(())
    }

    /// Platform_Cost: daily cloud cost per pool, as doubles with cents (as cloud bills come).
    pub(super) fn platform_cost(&self, opts: &SampleOptions) -> Batch {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed ^ 0xc057);
        let scale = (opts.events as f64 / 40_000.0).max(0.05);
        let (mut date, mut pool, mut amount, mut currency) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for day in month_days(opts) {
            for (name, base) in [("azure-ai", 180.0), ("gcp-gateway", 45.0)] {
                date.push(days_since_epoch(day));
                pool.push(Some(name.to_string()));
                let cents = ((base * scale * (0.8 + rng.random::<f64>() * 0.4)) * 100.0).round();
                amount.push(Some(cents / 100.0));
                currency.push(Some("EUR".to_string()));
            }
        }
        Batch {
            fields: vec![("date", false), ("pool", false), ("amount", false), ("currency", false)],
            cols: vec![
                Col::Date(date),
                Col::Text(pool),
                Col::Double(amount),
                Col::Text(currency),
            ],
        }
    }
}

#[derive(Default)]
struct AuditCols {
    event_id: Vec<Option<String>>,
    event_ts: Vec<i64>,
    country_id: Vec<Option<String>>,
    brand_id: Vec<Option<String>>,
    app_id: Vec<Option<String>>,
    channel_id: Vec<Option<String>>,
    component_id: Vec<Option<String>>,
    skill_id: Vec<Option<String>>,
    recognizer_id: Vec<Option<String>>,
    preset_id: Vec<Option<String>>,
    contact_channel_id: Vec<Option<String>>,
    user_id: Vec<Option<String>>,
    session_id: Vec<Option<String>>,
    interaction_type: Vec<Option<String>>,
    audio_ms: Vec<Option<i64>>,
    tokens_in: Vec<Option<i64>>,
    tokens_out: Vec<Option<i64>>,
    image_kb: Vec<Option<f64>>,
    provider: Vec<Option<String>>,
    is_test: Vec<bool>,
}

macro_rules! repeat_last {
    ($self:ident, $($f:ident),*) => { $( let v = $self.$f[$self.$f.len() - 1].clone(); $self.$f.push(v); )* };
}

impl AuditCols {
    fn with_capacity(n: usize) -> AuditCols {
        let mut c = AuditCols::default();
        c.event_id.reserve(n);
        c
    }

    fn len(&self) -> usize {
        self.event_id.len()
    }

    fn repeat_last(&mut self) {
        repeat_last!(
            self,
            event_id,
            event_ts,
            country_id,
            brand_id,
            app_id,
            channel_id,
            component_id,
            skill_id,
            recognizer_id,
            preset_id,
            contact_channel_id,
            user_id,
            session_id,
            interaction_type,
            audio_ms,
            tokens_in,
            tokens_out,
            image_kb,
            provider,
            is_test
        );
    }

    fn into_batch(self) -> Batch {
        Batch {
            fields: vec![
                ("event_id", false),
                ("event_ts", false),
                ("country_id", true),
                ("brand_id", true),
                ("app_id", false),
                ("channel_id", false),
                ("component_id", true),
                ("skill_id", true),
                ("recognizer_id", true),
                ("preset_id", true),
                ("contact_channel_id", true),
                ("user_id", false),
                ("session_id", false),
                ("interaction_type", false),
                ("audio_ms", true),
                ("tokens_in", true),
                ("tokens_out", true),
                ("image_kb", true),
                ("provider", false),
                ("is_test", false),
            ],
            cols: vec![
                Col::Text(self.event_id),
                Col::TimeMs(self.event_ts),
                Col::Text(self.country_id),
                Col::Text(self.brand_id),
                Col::Text(self.app_id),
                Col::Text(self.channel_id),
                Col::Text(self.component_id),
                Col::Text(self.skill_id),
                Col::Text(self.recognizer_id),
                Col::Text(self.preset_id),
                Col::Text(self.contact_channel_id),
                Col::Text(self.user_id),
                Col::Text(self.session_id),
                Col::Text(self.interaction_type),
                Col::Long(self.audio_ms),
                Col::Long(self.tokens_in),
                Col::Long(self.tokens_out),
                Col::Double(self.image_kb),
                Col::Text(self.provider),
                Col::Bool(self.is_test),
            ],
        }
    }
}
