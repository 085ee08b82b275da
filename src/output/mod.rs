//! Writers that turn a `report::RunReport` into files and documents. No rating logic here.

pub mod json;
pub mod xlsx;
