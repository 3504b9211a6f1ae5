//! The data tables of a page as [`Grid`]s, collected while the page is
//! rendered (one parse): each cell's place (row, first column, spans) and
//! its text, then every covered position filled with the spanning cell's
//! text, as DOCX grids are. The title and unit lines printed just above a
//! table become the grid's name.

use crate::read::Grid;

/// Most cells kept per table: a page is not a spreadsheet.
const MAX_CELLS: usize = 20_000;

#[derive(Debug, Default)]
pub(super) struct TableCells {
    row: usize,
    cells: Vec<Cell>,
    /// Byte offset in the rendered text where the table starts.
    pub(super) start: usize,
}

#[derive(Debug)]
struct Cell {
    row: usize,
    column: usize,
    colspan: usize,
    rowspan: usize,
    text: String,
}

impl TableCells {
    pub(super) fn new(start: usize) -> Self {
        TableCells {
            start,
            ..Default::default()
        }
    }

    pub(super) fn end_row(&mut self) {
        self.row += 1;
    }

    pub(super) fn push(&mut self, column: usize, colspan: usize, rowspan: usize, text: &str) {
        if self.cells.len() < MAX_CELLS {
            self.cells.push(Cell {
                row: self.row,
                column,
                colspan,
                rowspan,
                text: text.split_whitespace().collect::<Vec<_>>().join(" "),
            });
        }
    }

    /// The grid, named by the lines of `before` (the text above the table).
    pub(super) fn into_grid(self, before: &str) -> Option<Grid> {
        let rows = self.cells.iter().map(|c| c.row + c.rowspan).max()?;
        let width = self.cells.iter().map(|c| c.column + c.colspan).max()?;
        if rows < 2 || width < 2 || rows.saturating_mul(width) > MAX_CELLS * 4 {
            return None;
        }
        let mut grid = vec![vec![String::new(); width]; rows];
        for c in &self.cells {
            for row in grid.iter_mut().skip(c.row).take(c.rowspan) {
                for cell in row.iter_mut().skip(c.column).take(c.colspan) {
                    *cell = c.text.clone();
                }
            }
        }
        grid.retain(|r| r.iter().any(|c| !c.is_empty()));
        let name: Vec<&str> = before
            .lines()
            .rev()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .take(3)
            .collect();
        Some(Grid {
            page: None,
            name: (!name.is_empty()).then(|| name.into_iter().rev().collect::<Vec<_>>().join("\n")),
            rows: grid,
        })
    }
}
