//! A load's roll-up while its pieces stream in: each piece is rolled up per day on its own
//! (`ObDays::build`), then folded in here, in piece order, with its codes translated into
//! the dataset's; `finish` sorts the days into the `ObDays` that periods are cut from.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::model::Config;
use crate::model::table::{IdColumn, Scalar};

use super::super::aggregate::Acc;
use super::{Cause, DatasetDays, DayCounts, GroupDays, MeterDays, ObDays, note_first};

/// How a piece's codes and ids translate into the whole dataset's, for `GrowingDays::absorb`.
pub(in crate::engine) struct PieceMaps<'a> {
    /// The piece's record ids (for `latest`).
    pub ids: &'a IdColumn,
    /// The dataset-wide index of the piece's first suspended record.
    pub issue_base: u32,
    /// The dataset's records before the piece (a record's number in the dataset is this
    /// plus its row in the piece).
    pub row_base: u64,
    /// Per breakdown field: the piece's dictionary code → the dataset's code.
    pub codes: &'a HashMap<String, Vec<u32>>,
    /// Per field counted distinct: the piece's dictionary code → the dataset's code.
    pub distinct: &'a HashMap<String, Vec<u32>>,
}

#[derive(Debug, Clone, Default)]
struct GrowingGroup {
    /// Values in the order this OB first used them, with the dataset's codes.
    values: Vec<Scalar>,
    codes: Vec<u32>,
    /// The dataset's code → index into `values` (`u32::MAX`: not used yet).
    local: Vec<u32>,
    /// `accs[value][slot]`.
    accs: Vec<Vec<Acc>>,
}

#[derive(Debug, Clone)]
struct GrowingMeter {
    meter: usize,
    days: Vec<Acc>,
    groups: Vec<(String, GrowingGroup)>,
}

#[derive(Debug, Clone, Default)]
struct GrowingDataset {
    rows: u64,
    counts: Vec<DayCounts>,
    /// (slot, dataset-wide index of the suspended record).
    suspended: Vec<(u32, u32)>,
    meters: Vec<GrowingMeter>,
    /// Record counts per (input file, slot).
    files: HashMap<(u32, u32), DayCounts>,
    /// The first causes of suspended records per (input file, slot).
    causes: HashMap<(u32, u32), Vec<Cause>>,
}

/// One OB's roll-up while a load streams in: every piece's days folded in, in piece order,
/// with days in the order first seen (`finish` sorts them into an `ObDays`).
#[derive(Debug, Clone)]
pub(in crate::engine) struct GrowingDays {
    ob: usize,
    slot_of: HashMap<NaiveDate, u32>,
    dates: Vec<NaiveDate>,
    datasets: Vec<GrowingDataset>,
}

/// Adds `acc` (with codes already remapped for a distinct count) into `into`, keeping a
/// distinct count's codes near the number of distinct values.
fn add_rolled(into: &mut Acc, acc: Acc) {
    into.absorb(acc);
    if let Acc::Distinct(codes) = into
        && codes.len() >= 4096
        && codes.len() == codes.capacity()
    {
        codes.sort_unstable();
        codes.dedup();
    }
}

impl GrowingDays {
    /// An empty roll-up for OB `ob`; `meters[d]` lists dataset `d`'s meters with the
    /// breakdown fields it has.
    pub(in crate::engine) fn new(ob: usize, meters: &[Vec<(usize, Vec<String>)>]) -> GrowingDays {
        let datasets = meters
            .iter()
            .map(|ms| GrowingDataset {
                meters: ms
                    .iter()
                    .map(|(meter, fields)| GrowingMeter {
                        meter: *meter,
                        days: Vec::new(),
                        groups: fields.iter().map(|f| (f.clone(), GrowingGroup::default())).collect(),
                    })
                    .collect(),
                ..GrowingDataset::default()
            })
            .collect();
        GrowingDays {
            ob,
            slot_of: HashMap::new(),
            dates: Vec::new(),
            datasets,
        }
    }

    fn slot(&mut self, date: NaiveDate, config: &Config) -> usize {
        if let Some(s) = self.slot_of.get(&date) {
            return *s as usize;
        }
        let slot = self.dates.len();
        self.slot_of.insert(date, slot as u32);
        self.dates.push(date);
        for ds in &mut self.datasets {
            ds.counts.push(DayCounts::default());
            for m in &mut ds.meters {
                m.days.push(Acc::rolled(config.meters[m.meter].aggregation));
            }
        }
        slot
    }

    /// Folds one piece's roll-up of dataset `di` (an `ObDays` of that piece alone) in.
    pub(in crate::engine) fn absorb(&mut self, config: &Config, di: usize, piece: ObDays, maps: &PieceMaps<'_>) {
        let Some(rolled) = piece.datasets.into_iter().next() else {
            return;
        };
        let slots: Vec<usize> = piece.dates.iter().map(|d| self.slot(*d, config)).collect();
        let ds = &mut self.datasets[di];
        ds.rows += rolled.rows;
        for (c, slot) in rolled.counts.iter().zip(&slots) {
            let into = &mut ds.counts[*slot];
            into.records += c.records;
            into.duplicates += c.duplicates;
            into.excluded += c.excluded;
            into.suspended += c.suspended;
            into.rated += c.rated;
        }
        for (file, day, c) in &rolled.files {
            ds.files.entry((*file, slots[*day as usize] as u32)).or_default().add(c);
        }
        // Pieces come in record order, so a piece's causes come after those kept.
        for (file, day, causes) in rolled.causes {
            let into = ds.causes.entry((file, slots[day as usize] as u32)).or_default();
            for (row, code, field) in causes {
                note_first(into, (maps.row_base + row, code, field));
            }
        }
        ds.suspended.extend(
            rolled
                .suspended
                .iter()
                .map(|(day, issue)| (slots[*day as usize] as u32, maps.issue_base + issue)),
        );
        for m in rolled.meters {
            let Some(into) = ds.meters.iter_mut().find(|g| g.meter == m.meter) else {
                continue;
            };
            let field = config.meters[m.meter].field.as_deref().unwrap_or("");
            let distinct = maps.distinct.get(field).map(Vec::as_slice);
            let convert = |acc: Acc| -> Acc {
                match (acc, distinct) {
                    (Acc::Distinct(codes), Some(remap)) => {
                        Acc::Distinct(codes.iter().map(|c| remap[*c as usize]).collect())
                    }
                    (acc, _) => acc.into_rolled(m.scale, maps.ids),
                }
            };
            for (acc, slot) in m.days.into_iter().zip(&slots) {
                add_rolled(&mut into.days[*slot], convert(acc));
            }
            let n = slots.len();
            for g in m.groups {
                let Some((_, group)) = into.groups.iter_mut().find(|(f, _)| *f == g.field) else {
                    continue;
                };
                let Some(remap) = maps.codes.get(&g.field) else {
                    continue;
                };
                let mut accs = g.accs.into_iter();
                for (value, code) in g.values.into_iter().zip(g.codes) {
                    let global = remap[code as usize];
                    if group.local.len() <= global as usize {
                        group.local.resize(global as usize + 1, u32::MAX);
                    }
                    if group.local[global as usize] == u32::MAX {
                        group.local[global as usize] = group.values.len() as u32;
                        group.values.push(value);
                        group.codes.push(global);
                        group.accs.push(Vec::new());
                    }
                    let days = &mut group.accs[group.local[global as usize] as usize];
                    for (acc, slot) in accs.by_ref().take(n).zip(&slots) {
                        if days.len() <= *slot {
                            days.resize(*slot + 1, Acc::rolled(config.meters[m.meter].aggregation));
                        }
                        add_rolled(&mut days[*slot], convert(acc));
                    }
                }
            }
        }
    }

    /// The finished roll-up, days in date order. `present[d]` lists the breakdown fields
    /// dataset `d` has in any piece (a field it never has gets no breakdown).
    pub(in crate::engine) fn finish(self, config: &Config, present: &[Vec<String>]) -> ObDays {
        let mut order: Vec<usize> = (0..self.dates.len()).collect();
        order.sort_by_key(|s| self.dates[*s]);
        let mut day_of_slot = vec![0u32; order.len()];
        for (day, slot) in order.iter().enumerate() {
            day_of_slot[*slot] = day as u32;
        }
        let days = order.len();
        let dates = order.iter().map(|s| self.dates[*s]).collect();
        let datasets = self
            .datasets
            .into_iter()
            .zip(present)
            .map(|(ds, present)| {
                let counts = order.iter().map(|s| ds.counts[*s]).collect();
                let suspended = ds
                    .suspended
                    .into_iter()
                    .map(|(slot, issue)| (day_of_slot[slot as usize], issue))
                    .collect();
                let meters = ds
                    .meters
                    .into_iter()
                    .map(|m| {
                        let aggregation = config.meters[m.meter].aggregation;
                        let mut slots: Vec<Option<Acc>> = m.days.into_iter().map(Some).collect();
                        let mut days_acc: Vec<Acc> = order
                            .iter()
                            .map(|s| slots[*s].take().unwrap_or_else(|| Acc::rolled(aggregation)))
                            .collect();
                        days_acc.iter_mut().for_each(Acc::finish);
                        let groups = m
                            .groups
                            .into_iter()
                            .filter(|(field, _)| present.contains(field))
                            .map(|(field, g)| {
                                let mut accs = Vec::with_capacity(g.values.len() * days);
                                for mut per_slot in g.accs {
                                    per_slot.resize(order.len(), Acc::rolled(aggregation));
                                    let mut per_slot: Vec<Option<Acc>> = per_slot.into_iter().map(Some).collect();
                                    for s in &order {
                                        let mut acc = per_slot[*s].take().unwrap_or_else(|| Acc::rolled(aggregation));
                                        acc.finish();
                                        accs.push(acc);
                                    }
                                }
                                GroupDays {
                                    field,
                                    values: g.values,
                                    codes: g.codes,
                                    accs,
                                }
                            })
                            .collect();
                        MeterDays {
                            meter: m.meter,
                            scale: 0,
                            days: days_acc,
                            groups,
                        }
                    })
                    .collect();
                let mut files: Vec<(u32, u32, DayCounts)> = ds
                    .files
                    .into_iter()
                    .map(|((f, slot), c)| (f, day_of_slot[slot as usize], c))
                    .collect();
                files.sort_unstable_by_key(|(f, d, _)| (*f, *d));
                let mut causes: Vec<(u32, u32, Vec<Cause>)> = ds
                    .causes
                    .into_iter()
                    .map(|((f, slot), c)| (f, day_of_slot[slot as usize], c))
                    .collect();
                causes.sort_unstable_by_key(|(f, d, _)| (*f, *d));
                DatasetDays {
                    causes,
                    rows: ds.rows,
                    counts,
                    suspended,
                    meters,
                    files,
                }
            })
            .collect();
        ObDays {
            ob: self.ob,
            dates,
            datasets,
        }
    }
}
