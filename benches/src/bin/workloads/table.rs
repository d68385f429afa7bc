//! Summarises per-round figures into the markdown comparison table.

/// The name whose figures every other implementation is compared against.
const BASELINE: &str = "aiochan";

/// Follows a marked figure, and starts the footnote that says what the mark means.
const MARK: &str = "†";

/// Medians of every metric of every workload, one column per implementation.
pub struct Table {
    impls: Vec<&'static str>,
    rounds: usize,
    /// What a marked figure means; printed under the table when a row has one.
    mark_note: &'static str,
    rows: Vec<Row>,
}

/// One metric of one workload: `figures[impl][round]`, with no rounds for an implementation that
/// has nothing to run the workload with.
struct Row {
    workload: String,
    metric: &'static str,
    figures: Vec<Vec<f64>>,
    /// `marked[impl]`: that implementation's figure and ratio carry the mark.
    marked: Vec<bool>,
}

impl Table {
    pub fn new(impls: Vec<&'static str>, rounds: usize, mark_note: &'static str) -> Self {
        Self {
            impls,
            rounds,
            mark_note,
            rows: Vec::new(),
        }
    }

    /// Adds a workload's results, `runs[impl][round][metric]`, as one row per metric; `marked[impl]`
    /// says whose figures carry the mark.
    pub fn add(
        &mut self,
        workload: String,
        metrics: &[&'static str],
        runs: &[Vec<Vec<f64>>],
        marked: &[bool],
    ) {
        for (m, &metric) in metrics.iter().enumerate() {
            self.rows.push(Row {
                workload: workload.clone(),
                metric,
                figures: runs
                    .iter()
                    .map(|rounds| rounds.iter().map(|figures| figures[m]).collect())
                    .collect(),
                marked: marked.to_vec(),
            });
        }
    }

    pub fn render(&self) -> String {
        let baseline = self.impls.iter().position(|&name| name == BASELINE);
        let peers: Vec<usize> = match baseline {
            Some(b) => (0..self.impls.len()).filter(|&i| i != b).collect(),
            None => Vec::new(),
        };

        let mut header = vec!["workload".to_string(), "metric".to_string()];
        header.extend(self.impls.iter().map(|name| name.to_string()));
        header.extend(
            peers
                .iter()
                .map(|&p| format!("{}/{BASELINE}", self.impls[p])),
        );

        let mut out = String::new();
        out += &table_row(&header);
        out += &table_row(&vec!["---".to_string(); header.len()]);
        for row in &self.rows {
            let mark = |i: usize| if row.marked[i] { MARK } else { "" };
            let mut cells = vec![row.workload.clone(), row.metric.to_string()];
            cells.extend(row.figures.iter().enumerate().map(|(i, f)| {
                if f.is_empty() {
                    String::new()
                } else {
                    format!("{:.1}{}", median(f), mark(i))
                }
            }));
            if let Some(b) = baseline {
                cells.extend(peers.iter().map(|&p| {
                    if row.figures[p].is_empty() || row.figures[b].is_empty() {
                        return String::new();
                    }
                    let ratios: Vec<f64> = row.figures[p]
                        .iter()
                        .zip(&row.figures[b])
                        .map(|(peer, base)| peer / base)
                        .collect();
                    format!("{:.2}{}", median(&ratios), mark(p))
                }));
            }
            out += &table_row(&cells);
        }
        out += &format!(
            "\nMedians over {} rounds; lower figures are better.\n",
            self.rounds
        );
        if baseline.is_some() {
            out += &format!(
                "A `peer/{BASELINE}` column is the median of the per-round ratios peer figure / \
                 {BASELINE} figure: above 1 means {BASELINE} is faster (or smaller).\n"
            );
        }
        if self
            .rows
            .iter()
            .any(|row| row.figures.iter().any(Vec::is_empty))
        {
            out += "An empty cell: that implementation has nothing to run the workload with.\n";
        }
        if self.rows.iter().flat_map(|row| &row.marked).any(|&m| m) {
            out += &format!("{MARK} {}\n", self.mark_note);
        }
        out
    }
}

fn table_row(cells: &[String]) -> String {
    format!("| {} |\n", cells.join(" | "))
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    // The two middle indices coincide when the length is odd.
    let len = sorted.len();
    (sorted[(len - 1) / 2] + sorted[len / 2]) / 2.0
}
