//! Arrow arrays in and out through the Arrow C data interface
//! (`arrow-pyarrow`): buffers cross the boundary shared, not copied, in both
//! directions, and hashes stay `uint64` arrays, never Python ints.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::ArrowPrimitiveType;
use arrow_array::{
    make_array, Array, ArrayRef, FixedSizeListArray, LargeStringArray, PrimitiveArray, RecordBatch,
    StringArray, StringViewArray,
};
use arrow_data::ArrayData;
use arrow_pyarrow::PyArrowType;
use arrow_schema::{ArrowError, Field};
use pyo3::prelude::*;

use crate::errors::{config_error, SyndicError};

/// A pyarrow array as it arrives.
pub type PyArray = PyArrowType<ArrayData>;

/// A pyarrow record batch, in or out.
pub type PyBatch = PyArrowType<RecordBatch>;

/// Arrow errors left are broken invariants of this module, not user
/// mistakes; they still surface as `SyndicError`, never as a panic.
pub fn arrow_err(err: ArrowError) -> PyErr {
    SyndicError::new_err(format!("arrow: {err}"))
}

/// The chunks of a column, as arrow-rs arrays over the caller's buffers.
pub fn import(chunks: Vec<PyArray>) -> Vec<ArrayRef> {
    chunks.into_iter().map(|chunk| make_array(chunk.0)).collect()
}

/// Read access to a string array of any of Arrow's three layouts.
pub enum Strings<'a> {
    Utf8(&'a StringArray),
    LargeUtf8(&'a LargeStringArray),
    Utf8View(&'a StringViewArray),
}

impl<'a> Strings<'a> {
    /// The strings of `array`; `what` names the argument in errors.
    pub fn new(array: &'a dyn Array, what: &str) -> PyResult<Self> {
        if let Some(a) = array.as_string_opt::<i32>() {
            Ok(Strings::Utf8(a))
        } else if let Some(a) = array.as_string_opt::<i64>() {
            Ok(Strings::LargeUtf8(a))
        } else if let Some(a) = array.as_string_view_opt() {
            Ok(Strings::Utf8View(a))
        } else {
            Err(config_error(format!("{what} must be a string array, got {}", array.data_type())))
        }
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            Strings::Utf8(a) => a.len(),
            Strings::LargeUtf8(a) => a.len(),
            Strings::Utf8View(a) => a.len(),
        }
    }

    /// The `i`-th value, `None` where null.
    pub fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            Strings::Utf8(a) => a.is_valid(i).then(|| a.value(i)),
            Strings::LargeUtf8(a) => a.is_valid(i).then(|| a.value(i)),
            Strings::Utf8View(a) => a.is_valid(i).then(|| a.value(i)),
        }
    }
}

/// Every value of a chunked string column, borrowing the Arrow buffers.
/// Nulls are refused: a missing text has no shingles to compare.
pub fn strs<'a>(chunks: &'a [ArrayRef], what: &str) -> PyResult<Vec<&'a str>> {
    let mut out = Vec::with_capacity(chunks.iter().map(|c| c.len()).sum());
    for chunk in chunks {
        let strings = Strings::new(chunk.as_ref(), what)?;
        for i in 0..strings.len() {
            let value = strings
                .get(i)
                .ok_or_else(|| config_error(format!("{what}[{}] is null", out.len())))?;
            out.push(value);
        }
    }
    Ok(out)
}

/// A primitive array of exactly type `T` with no nulls.
pub fn primitive<T: ArrowPrimitiveType>(array: PyArray, what: &str) -> PyResult<PrimitiveArray<T>> {
    let data = array.0;
    if data.data_type() != &T::DATA_TYPE {
        return Err(config_error(format!(
            "{what} must be a {} array, got {}",
            T::DATA_TYPE,
            data.data_type()
        )));
    }
    let array = PrimitiveArray::<T>::from(data);
    if array.null_count() > 0 {
        return Err(config_error(format!("{what} has nulls")));
    }
    Ok(array)
}

/// A fixed-size list of non-null values of type `T`: the values, flat, and
/// the list size.
pub fn fixed_size_list<T: ArrowPrimitiveType>(
    chunks: Vec<PyArray>,
    what: &str,
) -> PyResult<(Vec<T::Native>, usize)> {
    let mut values = Vec::new();
    let mut size = None;
    for chunk in import(chunks) {
        let list = chunk.as_fixed_size_list_opt().ok_or_else(|| {
            config_error(format!(
                "{what} must be a fixed-size list array, got {}",
                chunk.data_type()
            ))
        })?;
        if list.null_count() > 0 {
            return Err(config_error(format!("{what} has nulls")));
        }
        let width = list.value_length() as usize;
        if *size.get_or_insert(width) != width {
            return Err(config_error(format!("{what}: chunks of different list sizes")));
        }
        let items = list.values().as_primitive_opt::<T>().ok_or_else(|| {
            config_error(format!(
                "{what} must hold {} values, got {}",
                T::DATA_TYPE,
                list.values().data_type()
            ))
        })?;
        if items.null_count() > 0 {
            return Err(config_error(format!("{what} has null values")));
        }
        let start = list.offset() * width;
        values.extend_from_slice(&items.values()[start..start + list.len() * width]);
    }
    Ok((values, size.unwrap_or(0)))
}

/// A fixed-size list array of `width` values per row from flat values.
pub fn to_fixed_size_list<T: ArrowPrimitiveType>(
    values: Vec<T::Native>,
    width: usize,
) -> PyResult<ArrayRef> {
    let width = i32::try_from(width).map_err(|_| config_error("list size over 2^31"))?;
    let field = Arc::new(Field::new_list_field(T::DATA_TYPE, false));
    let values: ArrayRef = Arc::new(PrimitiveArray::<T>::from_iter_values(values));
    let list = FixedSizeListArray::try_new(field, width, values, None).map_err(arrow_err)?;
    Ok(Arc::new(list))
}

/// A record batch of named columns, in order.
pub fn batch(columns: Vec<(&str, ArrayRef)>) -> PyResult<PyBatch> {
    RecordBatch::try_from_iter(columns).map(PyArrowType).map_err(arrow_err)
}

/// The data type of an exported string column: 32-bit offsets while they
/// fit, as pyarrow's own `string` type does.
pub fn string_array<'a>(values: impl IntoIterator<Item = &'a str>) -> ArrayRef {
    let values: Vec<&str> = values.into_iter().collect();
    let bytes: usize = values.iter().map(|v| v.len()).sum();
    if i32::try_from(bytes).is_ok() {
        Arc::new(StringArray::from(values))
    } else {
        Arc::new(LargeStringArray::from(values))
    }
}
