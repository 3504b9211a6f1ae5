//! Inline SVG bar charts: sized in the markup (no script lays them out),
//! with every value printed beside its bar so that the chart reads without
//! a legend.

use std::fmt::Write;

use super::html::esc;

/// One bar: its label, its parts (name, value) stacked left to right, and
/// where a click on it leads.
pub struct Bar {
    pub label: String,
    pub parts: Vec<(String, f64)>,
    pub href: Option<String>,
}

const COLOURS: &[&str] = &[
    "#8b1a1a", "#d08c2c", "#50617a", "#6b8f47", "#9a5fa3", "#3f8f8f",
];
const WIDTH: f64 = 560.0;
const LABEL: f64 = 170.0;
const VALUE: f64 = 110.0;
const ROW: f64 = 26.0;

fn short(label: &str, chars: usize) -> String {
    if label.chars().count() <= chars {
        label.to_string()
    } else {
        label.chars().take(chars - 1).chain(['…']).collect()
    }
}

/// Horizontal (stacked) bars in a `<figure class="chart">`, or nothing when
/// there is no positive value to draw. `unit` follows each total.
pub fn bar_chart(id: &str, caption: &str, bars: &[Bar], unit: &str) -> String {
    let max = bars
        .iter()
        .map(|b| b.parts.iter().map(|p| p.1.max(0.0)).sum::<f64>())
        .fold(0.0, f64::max);
    if bars.is_empty() || max <= 0.0 {
        return String::new();
    }
    let scale = (WIDTH - LABEL - VALUE) / max;
    let legend: Vec<&str> = {
        let mut names: Vec<&str> = Vec::new();
        for bar in bars {
            for (name, _) in &bar.parts {
                if !names.contains(&name.as_str()) {
                    names.push(name);
                }
            }
        }
        names
    };
    let legend_rows = if legend.len() > 1 { 1.0 } else { 0.0 };
    let height = ROW * (bars.len() as f64 + legend_rows) + 8.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<figure class=\"chart\" id=\"{id}\"><figcaption>{}</figcaption>\
         <svg class=\"chart\" role=\"img\" aria-label=\"{}\" width=\"{WIDTH}\" height=\"{height}\" \
         viewBox=\"0 0 {WIDTH} {height}\" xmlns=\"http://www.w3.org/2000/svg\">",
        esc(caption),
        esc(caption)
    );
    for (n, bar) in bars.iter().enumerate() {
        let y = ROW * n as f64 + 4.0;
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\"><title>{}</title>{}</text>",
            LABEL - 6.0,
            y + 15.0,
            esc(&bar.label),
            esc(&short(&bar.label, 13))
        );
        if let Some(href) = &bar.href {
            let _ = write!(svg, "<a href=\"{}\">", esc(href));
        }
        let mut x = LABEL;
        for (name, value) in &bar.parts {
            let w = value.max(0.0) * scale;
            let colour =
                COLOURS[legend.iter().position(|l| l == name).unwrap_or(0) % COLOURS.len()];
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{colour}\">\
                 <title>{}: {}</title></rect>",
                ROW - 8.0,
                esc(name),
                number(*value)
            );
            x += w;
        }
        if bar.href.is_some() {
            svg.push_str("</a>");
        }
        let total: f64 = bar.parts.iter().map(|p| p.1).sum();
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\">{} {}</text>",
            x + 5.0,
            y + 15.0,
            number(total),
            esc(unit)
        );
    }
    if legend.len() > 1 {
        let y = ROW * bars.len() as f64 + 4.0;
        let mut x = LABEL;
        for (n, name) in legend.iter().enumerate() {
            let colour = COLOURS[n % COLOURS.len()];
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"12\" height=\"12\" fill=\"{colour}\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                y + 4.0,
                x + 16.0,
                y + 15.0,
                esc(name)
            );
            x += 24.0 + 13.0 * name.chars().count() as f64;
        }
    }
    svg.push_str("</svg></figure>\n");
    svg
}

/// A value as people read it: no trailing zeros, at most two decimals.
pub fn number(value: f64) -> String {
    let s = format!("{value:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}
