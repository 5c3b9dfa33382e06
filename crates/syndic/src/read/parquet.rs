//! Parquet: one document per row, read a batch of rows at a time and only
//! from the id, text and site columns.

use std::borrow::Cow;
use std::fmt::Display;
use std::fs::File;
use std::panic::AssertUnwindSafe;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type, UInt32Type, UInt64Type};
use arrow_array::{
    Array, ArrayRef, Int32Array, Int64Array, LargeStringArray, RecordBatch, StringArray,
    StringViewArray, UInt32Array, UInt64Array,
};
use arrow_schema::{DataType, Schema};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ProjectionMask;

use super::input::Input;
use super::options::ReadOptions;
use super::record::{Fields, Record};
use super::stream::Progress;
use crate::{Error, Location, RecordProblem, Result};

/// Rows per batch: enough to amortise the per-batch work, few enough that a
/// batch of web pages stays in the megabytes.
const BATCH_ROWS: usize = 1024;

/// Opens a Parquet file's reader builder, naming the file when it is not
/// Parquet or is damaged.
pub(crate) fn open_parquet(input: &Input) -> Result<ParquetRecordBatchReaderBuilder<File>> {
    let file = input.open_file()?;
    let location = || Location::file(&input.path);
    unpanic(location, || {
        ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| parquet_error(location(), e))
    })
}

pub(crate) fn parquet_error(location: Location, err: impl Display) -> Error {
    Error::Parquet { location, message: err.to_string() }
}

/// Runs a call into the parquet crate, turning a panic into the error of a
/// damaged file at `location`: the crate still panics on some damaged
/// files (a negative column offset in the footer, found by fuzzing), and a
/// damaged input must be an error naming it, not a crash.
///
/// Unwind safety is asserted: what the call touched (the file, a reader)
/// is dropped or never read from again after its error.
pub(crate) fn unpanic<T>(
    location: impl FnOnce() -> Location,
    call: impl FnOnce() -> Result<T>,
) -> Result<T> {
    std::panic::catch_unwind(AssertUnwindSafe(call)).unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("the decoder failed");
        Err(parquet_error(location(), format!("damaged file: {message}")))
    })
}

/// The rows of a Parquet input.
pub(crate) struct ParquetSource {
    input: Input,
    reader: ParquetRecordBatchReader,
    columns: Columns,
    batch: Option<Batch>,
    /// Set when the reader panicked.
    broken: bool,
    next: u64,
    rows: u64,
    limit: u64,
    progress: Progress,
}

impl ParquetSource {
    pub(crate) fn open(input: &Input, opts: &ReadOptions, progress: &Progress) -> Result<Self> {
        let builder = open_parquet(input)?;
        let columns = Columns {
            id: column(input, builder.schema(), &opts.id_field, true)?,
            text: column(input, builder.schema(), &opts.text_field, false)?,
            site: match &opts.site_field {
                Some(site) => Some(column(input, builder.schema(), site, false)?),
                None => None,
            },
        };
        let roots = [Some(&columns.id), Some(&columns.text), columns.site.as_ref()];
        let mask = ProjectionMask::roots(
            builder.parquet_schema(),
            roots.into_iter().flatten().map(|c| c.index),
        );
        let rows = u64::try_from(builder.metadata().file_metadata().num_rows()).unwrap_or(0);
        let location = || Location::file(&input.path);
        let reader = unpanic(location, || {
            builder
                .with_projection(mask)
                .with_batch_size(BATCH_ROWS)
                .build()
                .map_err(|e| parquet_error(location(), e))
        })?;
        Ok(Self {
            input: input.clone(),
            reader,
            columns,
            batch: None,
            broken: false,
            next: 0,
            rows,
            limit: opts.max_doc_bytes,
            progress: progress.clone(),
        })
    }

    pub(crate) fn next(&mut self) -> Result<Option<Record>> {
        loop {
            if let Some(batch) = self.batch.as_mut().filter(|batch| batch.row < batch.rows) {
                let fields = batch.fields(batch.row, &self.columns, self.limit);
                batch.row += 1;
                let ordinal = self.next;
                self.next += 1;
                return Ok(Some(Record { ordinal, fields }));
            }
            if self.broken {
                return Ok(None);
            }
            let location = self.location(self.next);
            let reader = &mut self.reader;
            let batch = unpanic(|| location.clone(), || Ok(reader.next()));
            // A reader that panicked may be in any state: it is not asked again.
            self.broken = batch.is_err();
            let Some(batch) = batch? else { return Ok(None) };
            let batch = batch.map_err(|e| parquet_error(location.clone(), e))?;
            self.batch = Some(Batch::new(&batch, &self.columns, location)?);
            // Parquet is read by column chunk, not front to back: progress is
            // the share of rows reached, in bytes.
            let done =
                u128::from(self.input.size) * u128::from(self.next) / u128::from(self.rows.max(1));
            self.progress.set(u64::try_from(done).unwrap_or(u64::MAX));
        }
    }

    pub(crate) fn location(&self, ordinal: u64) -> Location {
        Location::record(&self.input.path, ordinal)
    }
}

/// A column syndic reads, found in the file's schema.
struct Column {
    name: String,
    index: usize,
}

struct Columns {
    id: Column,
    text: Column,
    site: Option<Column>,
}

/// Finds a top-level column and checks that its type can be read.
fn column(input: &Input, schema: &Schema, name: &str, integers: bool) -> Result<Column> {
    let unsupported =
        |message: String| Error::UnsupportedInput { path: input.path.clone(), message };
    let Ok(index) = schema.index_of(name) else {
        let names: Vec<_> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        let names = names.join(", ");
        return Err(unsupported(if name.contains('.') {
            format!("nested field paths such as `{name}` are not supported for Parquet; name a top-level column (columns: {names})")
        } else {
            format!("no column `{name}` (columns: {names})")
        }));
    };
    let data_type = schema.field(index).data_type();
    let readable = matches!(data_type, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
        || integers
            && matches!(
                data_type,
                DataType::Int32 | DataType::Int64 | DataType::UInt32 | DataType::UInt64
            );
    if !readable {
        let expected = if integers { "a string or integer column" } else { "a string column" };
        return Err(unsupported(format!("column `{name}` is {data_type}, expected {expected}")));
    }
    Ok(Column { name: name.to_owned(), index })
}

/// The columns of one batch of rows.
struct Batch {
    id: Values,
    text: Values,
    site: Option<Values>,
    rows: usize,
    row: usize,
}

impl Batch {
    fn new(batch: &RecordBatch, columns: &Columns, location: Location) -> Result<Self> {
        let values = |column: &Column| {
            batch.column_by_name(&column.name).and_then(Values::new).ok_or_else(|| {
                parquet_error(location.clone(), format!("column `{}` changed type", column.name))
            })
        };
        Ok(Self {
            id: values(&columns.id)?,
            text: values(&columns.text)?,
            site: columns.site.as_ref().map(values).transpose()?,
            rows: batch.num_rows(),
            row: 0,
        })
    }

    fn fields(&self, row: usize, columns: &Columns, limit: u64) -> Result<Fields, RecordProblem> {
        let missing = |column: &Column| RecordProblem::MissingField(column.name.clone());
        let id = self.id.get(row).ok_or_else(|| missing(&columns.id))?;
        let text = self.text.get(row).ok_or_else(|| missing(&columns.text))?;
        if text.len() as u64 > limit {
            return Err(RecordProblem::TooLarge { size: text.len() as u64, limit });
        }
        let site = self.site.as_ref().and_then(|site| site.get(row)).map(Cow::into_owned);
        Ok(Fields { id: id.into_owned(), text: text.into_owned(), site, url: None })
    }
}

/// A column's values, of one of the types syndic reads.
enum Values {
    Utf8(StringArray),
    LargeUtf8(LargeStringArray),
    Utf8View(StringViewArray),
    Int32(Int32Array),
    Int64(Int64Array),
    UInt32(UInt32Array),
    UInt64(UInt64Array),
}

impl Values {
    fn new(array: &ArrayRef) -> Option<Self> {
        Some(match array.data_type() {
            DataType::Utf8 => Values::Utf8(array.as_string::<i32>().clone()),
            DataType::LargeUtf8 => Values::LargeUtf8(array.as_string::<i64>().clone()),
            DataType::Utf8View => Values::Utf8View(array.as_string_view().clone()),
            DataType::Int32 => Values::Int32(array.as_primitive::<Int32Type>().clone()),
            DataType::Int64 => Values::Int64(array.as_primitive::<Int64Type>().clone()),
            DataType::UInt32 => Values::UInt32(array.as_primitive::<UInt32Type>().clone()),
            DataType::UInt64 => Values::UInt64(array.as_primitive::<UInt64Type>().clone()),
            _ => return None,
        })
    }

    /// The value in `row`, or `None` when it is null.
    fn get(&self, row: usize) -> Option<Cow<'_, str>> {
        match self {
            Values::Utf8(a) => a.is_valid(row).then(|| Cow::Borrowed(a.value(row))),
            Values::LargeUtf8(a) => a.is_valid(row).then(|| Cow::Borrowed(a.value(row))),
            Values::Utf8View(a) => a.is_valid(row).then(|| Cow::Borrowed(a.value(row))),
            Values::Int32(a) => a.is_valid(row).then(|| Cow::Owned(a.value(row).to_string())),
            Values::Int64(a) => a.is_valid(row).then(|| Cow::Owned(a.value(row).to_string())),
            Values::UInt32(a) => a.is_valid(row).then(|| Cow::Owned(a.value(row).to_string())),
            Values::UInt64(a) => a.is_valid(row).then(|| Cow::Owned(a.value(row).to_string())),
        }
    }
}
