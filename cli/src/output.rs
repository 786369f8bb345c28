//! Results on standard output: a table for people, or JSON (the app's own view shapes) for
//! scripts.

use serde::Serialize;

use crate::Format;

/// Writes `value` as pretty JSON.
pub fn json(value: &impl Serialize) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).expect("views serialise")
    );
}

/// Writes rows under their headers, each column as wide as its widest cell.
pub fn table(headers: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(headers.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

/// Rows as CSV under a header row (RFC 4180 quoting), each cell guarded as the app's exports
/// guard it: a value a spreadsheet would run as a formula starts with `'`.
pub fn csv(headers: &[&str], rows: &[Vec<String>]) {
    let mut out = ::csv::Writer::from_writer(std::io::stdout());
    let _ = out.write_record(headers);
    for row in rows {
        let _ = out.write_record(
            row.iter()
                .map(|cell| keydesk_core::account_csv::guard(cell)),
        );
    }
    let _ = out.flush();
}

/// JSON, or a table (or CSV) made by `rows`.
pub fn either<T: Serialize>(
    format: Format,
    value: &T,
    headers: &[&str],
    rows: impl FnOnce(&T) -> Vec<Vec<String>>,
) {
    match format {
        Format::Json => json(value),
        Format::Table => table(headers, &rows(value)),
        Format::Csv => csv(headers, &rows(value)),
    }
}
