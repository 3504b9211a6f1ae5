//! Tables read from positioned lines (made-up layouts).

use super::*;
use crate::read::LayoutWord;

fn line(page: u32, y: f32, words: &[(&str, f32)]) -> LayoutLine {
    LayoutLine {
        page,
        y,
        words: words
            .iter()
            .map(|(t, x)| LayoutWord {
                text: t.to_string(),
                x0: *x,
                x1: *x + 10.0 * t.chars().count() as f32,
                y,
                size: 10.0,
            })
            .collect(),
    }
}

/// A wrapped name around its code line, an amount set half a line
/// higher, a table continued on the next page, and a 合计 line.
#[test]
fn wrapped_names_and_offset_amounts_join_their_line() {
    let set = TableSet::builtin();
    let lines = vec![
        line(1, 10.0, &[("一般公共预算财政拨款支出决算表", 100.0)]),
        line(1, 20.0, &[("单位：万元", 400.0)]),
        line(
            1,
            30.0,
            &[
                ("科目编码", 10.0),
                ("科目名称", 100.0),
                ("合计", 300.0),
                ("基本支出", 360.0),
            ],
        ),
        line(
            1,
            50.0,
            &[
                ("208", 10.0),
                ("社会保障和就业支出", 100.0),
                ("326.72", 300.0),
                ("326.72", 360.0),
            ],
        ),
        line(1, 66.0, &[("机关事业单位基本", 100.0)]),
        line(1, 72.0, &[("160.75", 360.0)]),
        line(1, 73.0, &[("2080505", 10.0), ("160.75", 300.0)]),
        line(1, 80.0, &[("养老保险缴费支出", 100.0)]),
        line(
            2,
            30.0,
            &[
                ("2080506", 10.0),
                ("职业年金缴费支出", 100.0),
                ("80.38", 300.0),
                ("80.38", 360.0),
            ],
        ),
        line(
            2,
            50.0,
            &[("合计", 100.0), ("326.72", 300.0), ("326.72", 360.0)],
        ),
        line(
            2,
            70.0,
            &[("注：本表反映部门本年度一般公共预算财政拨款支出情况。", 10.0)],
        ),
    ];
    let tables = find_tables(&set, &lines);
    assert_eq!(tables.len(), 1);
    let t = &tables[0];
    assert_eq!(t.unit.as_deref(), Some("万元"));
    let rows: Vec<Vec<&str>> = t
        .body
        .iter()
        .map(|r| r.cells.iter().map(String::as_str).collect())
        .collect();
    assert_eq!(
        rows,
        vec![
            vec!["208", "社会保障和就业支出", "326.72", "326.72"],
            vec![
                "2080505",
                "机关事业单位基本养老保险缴费支出",
                "160.75",
                "160.75"
            ],
            vec!["2080506", "职业年金缴费支出", "80.38", "80.38"],
            vec!["", "合计", "326.72", "326.72"],
        ]
    );
    let (figures, _) = map::read_table(&set, t);
    let item = figures
        .iter()
        .find(|f| f.key == "general_budget.item.basic")
        .expect("the basic column of the item");
    assert_eq!(item.value, "160.75");
    assert_eq!(item.code.as_deref(), Some("2080505"));
    assert_eq!(
        item.label.as_deref(),
        Some("社会保障和就业支出/机关事业单位基本养老保险缴费支出")
    );
    assert_eq!(item.page, Some(1));
}

/// A header centred over its cell stops short of the figures set flush
/// right under it, and a 栏次 line numbers the columns: each figure sits
/// under its own header, and the numbering is no body line.
#[test]
fn centred_headers_head_right_aligned_figures() {
    let set = TableSet::builtin();
    let lines = vec![
        line(1, 10.0, &[("财政拨款“三公”经费支出决算表", 100.0)]),
        line(1, 20.0, &[("单位：万元", 400.0)]),
        line(
            1,
            30.0,
            &[("项目", 40.0), ("预算数", 200.0), ("决算数", 320.0)],
        ),
        line(1, 47.0, &[("栏次", 40.0), ("1", 212.0), ("2", 332.0)]),
        line(
            1,
            56.0,
            &[("合计", 10.0), ("42.00", 240.0), ("35.62", 360.0)],
        ),
        line(
            1,
            70.0,
            &[
                ("1.因公出国（境）费", 10.0),
                ("0.00", 250.0),
                ("0.00", 370.0),
            ],
        ),
        line(
            1,
            84.0,
            &[("2.公务接待费", 10.0), ("12.00", 240.0), ("8.78", 370.0)],
        ),
    ];
    let tables = find_tables(&set, &lines);
    assert_eq!(tables.len(), 1);
    let t = &tables[0];
    let header_of = |value: &str| -> String {
        let row = t
            .body
            .iter()
            .find(|r| r.cells.iter().any(|c| c == value))
            .unwrap_or_else(|| panic!("{value} in {:?}", t.body));
        let c = row.cells.iter().position(|c| c == value).unwrap();
        t.header.iter().map(|h| h[c].as_str()).collect()
    };
    assert!(header_of("42.00").contains("预算数"), "{:?}", t.header);
    assert!(header_of("35.62").contains("决算数"), "{:?}", t.header);
    assert!(header_of("8.78").contains("决算数"), "{:?}", t.header);
    assert!(
        !t.body.iter().any(|r| r.cells.iter().any(|c| c == "栏次")),
        "{:?}",
        t.body
    );
}
