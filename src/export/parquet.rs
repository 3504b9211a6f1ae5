//! Parquet parts beside the CSV ones (cargo feature `parquet`, on by
//! default), written with the `parquet` crate's column writers: its `arrow`
//! feature would add a dozen crates to the build for nothing we use.
//!
//! Integer columns are INT64; text and decimal columns are UTF-8 strings.
//! Decimals stay strings, as in the CSV, because a Parquet DECIMAL has one
//! scale per column while our amounts keep the precision they were printed
//! with ("249.30" and "249.3" are different facts); a float would lose both.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use parquet::basic::{Compression, LogicalType, Repetition, Type as PhysicalType};
use parquet::data_type::{ByteArray, ByteArrayType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;

use super::columns::{Cell, ColumnType, Table};

/// Rows buffered before a row group is written: bounds the memory a part
/// takes however many documents it holds.
const ROW_GROUP_ROWS: usize = 16 * 1024;

fn schema(table: &Table) -> Result<Type> {
    let fields = table
        .columns
        .iter()
        .map(|c| {
            let repetition = if c.required {
                Repetition::REQUIRED
            } else {
                Repetition::OPTIONAL
            };
            let field = match c.kind {
                ColumnType::Integer => Type::primitive_type_builder(c.name, PhysicalType::INT64),
                ColumnType::String | ColumnType::Number => {
                    Type::primitive_type_builder(c.name, PhysicalType::BYTE_ARRAY)
                        .with_logical_type(Some(LogicalType::String))
                }
            };
            Ok(Arc::new(field.with_repetition(repetition).build()?))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Type::group_type_builder(table.name)
        .with_fields(fields)
        .build()?)
}

/// One table's rows written to one Parquet file, a row group at a time.
pub struct PartWriter {
    table: &'static Table,
    writer: SerializedFileWriter<File>,
    rows: Vec<Vec<Cell>>,
}

impl PartWriter {
    pub fn create(path: &Path, table: &'static Table) -> Result<PartWriter> {
        let file =
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build();
        let writer = SerializedFileWriter::new(file, Arc::new(schema(table)?), properties.into())?;
        Ok(PartWriter {
            table,
            writer,
            rows: Vec::new(),
        })
    }

    pub fn push(&mut self, rows: Vec<Vec<Cell>>) -> Result<()> {
        self.rows.extend(rows);
        if self.rows.len() >= ROW_GROUP_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.rows);
        let mut group = self.writer.next_row_group()?;
        for (index, column) in self.table.columns.iter().enumerate() {
            let Some(mut writer) = group.next_column()? else {
                bail!("the Parquet schema of {} lost a column", self.table.name);
            };
            let mut levels = Vec::with_capacity(rows.len());
            let cells = rows.iter().map(|row| row.get(index).unwrap_or(&Cell::Null));
            match column.kind {
                ColumnType::Integer => {
                    let mut values = Vec::with_capacity(rows.len());
                    for cell in cells {
                        match cell {
                            Cell::Int(n) => values.push(*n),
                            Cell::Null => {}
                            Cell::Text(t) => bail!("{}: {t:?} is not an integer", column.name),
                        }
                        levels.push(i16::from(!matches!(cell, Cell::Null)));
                    }
                    let levels = (!column.required).then_some(levels.as_slice());
                    writer
                        .typed::<Int64Type>()
                        .write_batch(&values, levels, None)?;
                }
                ColumnType::String | ColumnType::Number => {
                    let mut values = Vec::with_capacity(rows.len());
                    for cell in cells {
                        match cell {
                            Cell::Text(t) => values.push(ByteArray::from(t.as_str())),
                            Cell::Int(n) => values.push(ByteArray::from(n.to_string().as_str())),
                            Cell::Null => {}
                        }
                        levels.push(i16::from(!matches!(cell, Cell::Null)));
                    }
                    let levels = (!column.required).then_some(levels.as_slice());
                    writer
                        .typed::<ByteArrayType>()
                        .write_batch(&values, levels, None)?;
                }
            }
            if column.required && levels.contains(&0) {
                bail!("{}: a required {} is missing", self.table.name, column.name);
            }
            writer.close()?;
        }
        group.close()?;
        Ok(())
    }

    /// Write what is buffered and the footer (the caller syncs the file).
    pub fn finish(mut self) -> Result<()> {
        self.flush()?;
        self.writer.into_inner()?;
        Ok(())
    }
}
