//! Arrow arrays (from arrow-avro and from parquet) pushed into a table's columns: the
//! type class of each Arrow type, and the cell each value becomes.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Decimal64Type, Decimal128Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt8Type,
    UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef};
use arrow_schema::{DataType, TimeUnit};
use rust_decimal::Decimal;

use super::sink::{Cell, SourceType, TableBuilder};

pub(crate) fn source_type(dt: &DataType) -> SourceType {
    match dt {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => SourceType::Text,
        // The dictionaries arrow-avro (enums) and parquet give: Int32 keys over Utf8. Any
        // other is not read (a clear error naming the field), never a panic.
        DataType::Dictionary(k, v) if **k == DataType::Int32 && **v == DataType::Utf8 => SourceType::Text,
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => SourceType::Int,
        DataType::Float32 | DataType::Float64 => SourceType::Float,
        DataType::Boolean => SourceType::Bool,
        DataType::Decimal64(_, _) | DataType::Decimal128(_, _) => SourceType::Decimal,
        DataType::Timestamp(_, _) => SourceType::Timestamp,
        DataType::Date32 => SourceType::Date,
        _ => SourceType::Other,
    }
}

fn decimal(value: i128, scale: i8) -> Option<Decimal> {
    if scale < 0 {
        let factor = 10i128.checked_pow(u32::from(scale.unsigned_abs()))?;
        return Decimal::try_from_i128_with_scale(value.checked_mul(factor)?, 0).ok();
    }
    Decimal::try_from_i128_with_scale(value, scale as u32).ok()
}

macro_rules! push_ints {
    ($b:expr, $src:expr, $arr:expr, $t:ty) => {
        $b.push_ints($src, $arr.as_primitive::<$t>().iter().map(|v| v.map(|x| x as i64)))
    };
}

/// Pushes every value of an Arrow array (Avro or Parquet) into the builder.
pub(crate) fn push_array(b: &mut TableBuilder, src: usize, array: &ArrayRef) {
    match array.data_type() {
        DataType::Utf8 => b.push_texts(src, array.as_string::<i32>().iter()),
        DataType::LargeUtf8 => b.push_texts(src, array.as_string::<i64>().iter()),
        DataType::Utf8View => b.push_texts(src, array.as_string_view().iter()),
        DataType::Dictionary(k, v) if **k == DataType::Int32 && **v == DataType::Utf8 => {
            let dict = array.as_dictionary::<Int32Type>();
            let values = dict.values().as_string::<i32>();
            for k in dict.keys().iter() {
                let cell = match k {
                    Some(k) if !values.is_null(k as usize) => Cell::Text(values.value(k as usize)),
                    _ => Cell::Null,
                };
                b.push(src, cell);
            }
        }
        DataType::Int8 => push_ints!(b, src, array, Int8Type),
        DataType::Int16 => push_ints!(b, src, array, Int16Type),
        DataType::Int32 => push_ints!(b, src, array, Int32Type),
        DataType::Int64 => push_ints!(b, src, array, Int64Type),
        DataType::UInt8 => push_ints!(b, src, array, UInt8Type),
        DataType::UInt16 => push_ints!(b, src, array, UInt16Type),
        DataType::UInt32 => push_ints!(b, src, array, UInt32Type),
        DataType::UInt64 => {
            for v in array.as_primitive::<UInt64Type>().iter() {
                let cell = match v {
                    None => Cell::Null,
                    Some(x) => i64::try_from(x).map_or(Cell::Decimal(Decimal::from(x)), Cell::Int),
                };
                b.push(src, cell);
            }
        }
        DataType::Float32 => {
            for v in array.as_primitive::<Float32Type>().iter() {
                // An f32 widened to f64 keeps its value; its shortest f32 form is what was meant.
                b.push(
                    src,
                    v.map_or(Cell::Null, |x| Cell::Float(format!("{x}").parse().unwrap_or(f64::NAN))),
                );
            }
        }
        DataType::Float64 => {
            for v in array.as_primitive::<Float64Type>().iter() {
                b.push(src, v.map_or(Cell::Null, Cell::Float));
            }
        }
        DataType::Boolean => {
            for v in array.as_boolean().iter() {
                b.push(src, v.map_or(Cell::Null, Cell::Bool));
            }
        }
        DataType::Decimal64(_, scale) => {
            let scale = *scale;
            for v in array.as_primitive::<Decimal64Type>().iter() {
                b.push(src, decimal_cell(v.map(i128::from), scale));
            }
        }
        DataType::Decimal128(_, scale) => {
            let scale = *scale;
            for v in array.as_primitive::<Decimal128Type>().iter() {
                b.push(src, decimal_cell(v, scale));
            }
        }
        DataType::Timestamp(unit, _) => {
            let (mul, div) = match unit {
                TimeUnit::Second => (1_000_000, 1),
                TimeUnit::Millisecond => (1_000, 1),
                TimeUnit::Microsecond => (1, 1),
                TimeUnit::Nanosecond => (1, 1_000),
            };
            let values: Vec<Option<i64>> = match unit {
                TimeUnit::Second => array.as_primitive::<TimestampSecondType>().iter().collect(),
                TimeUnit::Millisecond => array.as_primitive::<TimestampMillisecondType>().iter().collect(),
                TimeUnit::Microsecond => array.as_primitive::<TimestampMicrosecondType>().iter().collect(),
                TimeUnit::Nanosecond => array.as_primitive::<TimestampNanosecondType>().iter().collect(),
            };
            b.push_instants(
                src,
                values.iter().map(|v| v.map(|x| x.saturating_mul(mul).div_euclid(div))),
            );
        }
        DataType::Date32 => {
            for v in array.as_primitive::<Date32Type>().iter() {
                b.push(src, v.map_or(Cell::Null, |d| Cell::date_days(i64::from(d))));
            }
        }
        _ => {
            // Rejected by `TableBuilder::new`; never reached for planned fields.
            for _ in 0..array.len() {
                b.push(src, Cell::Null);
            }
        }
    }
}

fn decimal_cell(v: Option<i128>, scale: i8) -> Cell<'static> {
    match v {
        None => Cell::Null,
        Some(x) => decimal(x, scale).map_or(Cell::Float(f64::NAN), Cell::Decimal),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_int32_dictionaries_of_text_are_readable() {
        use arrow_array::{DictionaryArray, types::Int8Type};
        let int8: DictionaryArray<Int8Type> = vec!["a", "b", "a"].into_iter().collect();
        assert_eq!(source_type(int8.data_type()), SourceType::Other);
        let int32: DictionaryArray<Int32Type> = vec!["a", "b", "a"].into_iter().collect();
        assert_eq!(source_type(int32.data_type()), SourceType::Text);
        // An unreadable column is refused before anything is pushed (TableBuilder::new);
        // were it pushed, it would be nulls, not a panic.
        let plan = {
            let mut p = crate::model::table::FieldPlan::default();
            p.add("x", crate::model::table::Form::Value, true);
            p
        };
        let columns = [("x".to_string(), SourceType::Text)];
        let mut b = TableBuilder::new(std::path::Path::new("t.avro"), &plan, &columns).unwrap();
        let array: ArrayRef = std::sync::Arc::new(int8);
        push_array(&mut b, 0, &array);
        assert_eq!(b.finish().rows, 3);
    }

    #[test]
    fn negative_scale_decimals() {
        assert_eq!(decimal(12, -2), Some(Decimal::from(1200)));
        assert_eq!(decimal(1234, 2), Some(Decimal::new(1234, 2)));
    }
}
