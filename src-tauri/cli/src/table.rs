//! Plain aligned text tables for the terminal.

pub struct Table {
    headers: Vec<&'static str>,
    rows: Vec<Vec<String>>,
    right_aligned: Vec<bool>,
}

impl Table {
    pub fn new(headers: &[&'static str]) -> Self {
        Self {
            headers: headers.to_vec(),
            rows: Vec::new(),
            right_aligned: vec![false; headers.len()],
        }
    }

    /// Numbers read best right-aligned.
    pub fn right(mut self, columns: &[usize]) -> Self {
        for &c in columns {
            if let Some(flag) = self.right_aligned.get_mut(c) {
                *flag = true;
            }
        }
        self
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn render(&self) -> String {
        let width = |s: &str| s.chars().count();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| width(h)).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                if let Some(w) = widths.get_mut(i) {
                    *w = (*w).max(width(cell));
                }
            }
        }
        let line = |cells: Vec<&str>| -> String {
            let parts: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let pad = widths[i].saturating_sub(width(c));
                    if self.right_aligned[i] {
                        format!("{}{c}", " ".repeat(pad))
                    } else {
                        format!("{c}{}", " ".repeat(pad))
                    }
                })
                .collect();
            parts.join("  ").trim_end().to_owned()
        };
        let mut out = vec![line(self.headers.clone())];
        out.push(line(
            widths
                .iter()
                .map(|w| "-".repeat(*w))
                .collect::<Vec<_>>()
                .iter()
                .map(String::as_str)
                .collect(),
        ));
        for row in &self.rows {
            out.push(line(row.iter().map(String::as_str).collect()));
        }
        out.join("\n")
    }
}
