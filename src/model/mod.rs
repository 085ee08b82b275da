//! Typed values with no I/O: configuration, periods and time zones, money and rounding,
//! and the columnar form datasets are read into. Depends on nothing else of ours.

pub mod config;
pub mod inputs;
pub mod money;
pub mod period;
pub mod summary;
pub mod table;

pub use config::Config;
pub use period::{Period, YearMonth};
