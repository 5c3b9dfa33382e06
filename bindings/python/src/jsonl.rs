//! Record batches of any columns as JSON lines written as the run
//! directory's are: fields in column order, nulls left out (as `coverage`
//! is outside reprint mode), scores rounded by the core's
//! `syndic::rundir::round_to` (six decimals by default, as the run files
//! have them), and numbers and strings written by serde_json. The run files
//! themselves are written through the core's line types (`output::run_lines`).

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int32Type, Int64Type, UInt32Type, UInt64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use syndic::rundir::round_to;

use crate::arrow::{PyBatch, Strings};
use crate::errors::config_error;

/// The rows of `batch` as JSON lines.
#[pyfunction]
#[pyo3(signature = (batch, *, decimals=6))]
pub fn to_jsonl(
    py: Python<'_>,
    batch: PyBatch,
    decimals: Option<i32>,
) -> PyResult<Bound<'_, PyBytes>> {
    let batch = batch.0;
    let out = py.detach(|| write_lines(&batch, decimals))?;
    Ok(PyBytes::new(py, &out))
}

fn write_lines(batch: &RecordBatch, decimals: Option<i32>) -> PyResult<Vec<u8>> {
    let schema = batch.schema();
    let mut names = Vec::with_capacity(batch.num_columns());
    for field in schema.fields() {
        let supported = matches!(
            field.data_type(),
            DataType::Utf8
                | DataType::LargeUtf8
                | DataType::Utf8View
                | DataType::Boolean
                | DataType::Int32
                | DataType::Int64
                | DataType::UInt32
                | DataType::UInt64
                | DataType::Float64
        );
        if !supported {
            return Err(config_error(format!(
                "to_jsonl: column `{}` of type {} is not supported",
                field.name(),
                field.data_type()
            )));
        }
        names.push(serde_json::to_string(field.name()).expect("strings serialize"));
    }
    let mut out = Vec::new();
    for row in 0..batch.num_rows() {
        out.push(b'{');
        let mut first = true;
        for (column, name) in batch.columns().iter().zip(&names) {
            if column.is_null(row) {
                continue;
            }
            if !first {
                out.push(b',');
            }
            first = false;
            out.extend_from_slice(name.as_bytes());
            out.push(b':');
            write_value(&mut out, column.as_ref(), row, decimals)?;
        }
        out.extend_from_slice(b"}\n");
    }
    Ok(out)
}

fn write_value(
    out: &mut Vec<u8>,
    column: &dyn Array,
    row: usize,
    decimals: Option<i32>,
) -> PyResult<()> {
    let written = match column.data_type() {
        DataType::Boolean => serde_json::to_writer(&mut *out, &column.as_boolean().value(row)),
        DataType::Int32 => {
            serde_json::to_writer(&mut *out, &column.as_primitive::<Int32Type>().value(row))
        }
        DataType::Int64 => {
            serde_json::to_writer(&mut *out, &column.as_primitive::<Int64Type>().value(row))
        }
        DataType::UInt32 => {
            serde_json::to_writer(&mut *out, &column.as_primitive::<UInt32Type>().value(row))
        }
        DataType::UInt64 => {
            serde_json::to_writer(&mut *out, &column.as_primitive::<UInt64Type>().value(row))
        }
        DataType::Float64 => {
            let x = column.as_primitive::<Float64Type>().value(row);
            serde_json::to_writer(&mut *out, &decimals.map_or(x, |d| round_to(x, d)))
        }
        _ => {
            let text = Strings::new(column, "column")?.get(row).expect("nulls are skipped");
            serde_json::to_writer(&mut *out, text)
        }
    };
    written.map_err(|e| config_error(format!("to_jsonl: {e}")))
}
