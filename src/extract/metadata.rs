//! Document metadata (`document.*`) from the cover, title and headings.

use crate::read::Document;
use crate::report::{DocumentInfo, Fact};
use regex::Regex;
use std::sync::LazyLock as Lazy;

/// How far into the text the cover and title are looked for.
const COVER_BYTES: usize = 3000;

static TITLE: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(?P<year>(?:19|20)[0-9][0-9])[ \t]?年度?(?P<between>[^\n\x0c。，]{0,40}?)(?P<scope>部门|单位|区级部门|市级部门|县级部门|省级部门)?(?P<kind>决算|预算)").expect("title regex")
});
static MANAGER: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(?:预算主管部门|主管部门|部门名称|单位名称)[:：][ \t]?(?P<entity>[^\n\x0c：:]{2,40}?)(?:目[ \t]?录|\n|\x0c|$)").expect("manager regex")
});
static PUBLISHED: Lazy<Regex> = Lazy::new(|| {
    // 发布时间：2018-03-06, 更新时间：…, 发布时间 2018-03-06 10:00, 来源:x 时间:…, 日期:…
    crate::ascii_regex::ascii_regex(r"(?:(?:公开|发布|更新|发文|成文)(?:时间|日期)[:：]?|(?:^|[\s　])(?:时间|日期)[:：]|来源[:：][^\n]{0,40}?(?:时间|日期)[:：])[ \t]?(?P<y>(?:19|20)[0-9]{2})[ \t]?[年\-/.][ \t]?(?P<m>[0-9]{1,2})[ \t]?[月\-/.][ \t]?(?P<d>[0-9]{1,2})").expect("published regex")
});
static AMOUNT_UNIT: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(?:金额)?单位[:：][ \t]?(?P<unit>亿元|万元|元)").expect("unit regex")
});
static NARRATIVE_AMOUNT: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"[0-9](?:\.[0-9]+)?[ \t]?(?P<unit>亿元|万元|元)").expect("amount regex")
});

/// Build the metadata regexes now (see [`super::warm_up`]).
pub(super) fn warm_up() {
    for re in [
        &TITLE,
        &MANAGER,
        &PUBLISHED,
        &AMOUNT_UNIT,
        &NARRATIVE_AMOUNT,
    ] {
        Lazy::force(re);
    }
}

/// Fill the document's metadata and return it as `document.*` facts.
pub fn read_metadata(doc: &Document, info: &mut DocumentInfo) -> Vec<Fact> {
    let mut facts = Vec::new();
    let head_end = floor_char(&doc.text, COVER_BYTES);
    let head = &doc.text[..head_end];

    if let Some(c) = TITLE.captures(head) {
        let kind = if &c["kind"] == "决算" {
            "final"
        } else {
            "budget"
        };
        let whole = c.get(0).expect("match");
        info.kind = Some(kind.to_string());
        facts.push(super::document_fact(
            doc,
            "document.kind",
            kind.to_string(),
            None,
            whole.range(),
        ));
        let scope = match c.name("scope").map(|m| m.as_str()) {
            Some("单位") => "unit",
            _ if c["between"].ends_with("单位") => "unit",
            _ => "department",
        };
        info.scope = Some(scope.to_string());
        facts.push(super::document_fact(
            doc,
            "document.scope",
            scope.to_string(),
            None,
            whole.range(),
        ));
        let year: i32 = c["year"].parse().unwrap_or_default();
        info.fiscal_year = Some(year);
        facts.push(super::document_fact(
            doc,
            "document.fiscal_year",
            year.to_string(),
            None,
            c.name("year").expect("year").range(),
        ));
        let entity = entity_of(head, &c);
        if let Some((name, range)) = entity {
            info.entity = Some(name.clone());
            facts.push(super::document_fact(
                doc,
                "document.entity",
                name,
                None,
                range,
            ));
        }
    }
    if let Some(c) = PUBLISHED.captures(&doc.text) {
        let date = format!(
            "{}-{:02}-{:02}",
            &c["y"],
            c["m"].parse::<u32>().unwrap_or(0),
            c["d"].parse::<u32>().unwrap_or(0)
        );
        info.published_on = Some(date.clone());
        facts.push(super::document_fact(
            doc,
            "document.published_on",
            date,
            None,
            c.get(0).expect("match").range(),
        ));
    }
    let unit = AMOUNT_UNIT
        .captures(&doc.text)
        .map(|c| (c["unit"].to_string(), c.get(0).expect("match").range()))
        .or_else(|| {
            // No table declares a unit: the unit the narrative mostly uses.
            let mut counts: Vec<(String, usize, std::ops::Range<usize>)> = Vec::new();
            for c in NARRATIVE_AMOUNT.captures_iter(&doc.text) {
                let u = c["unit"].to_string();
                match counts.iter_mut().find(|(x, _, _)| *x == u) {
                    Some(e) => e.1 += 1,
                    None => counts.push((u, 1, c.get(0).expect("match").range())),
                }
            }
            counts
                .into_iter()
                .max_by_key(|(_, n, _)| *n)
                .map(|(u, _, r)| (u, r))
        });
    if let Some((u, range)) = unit {
        info.amount_unit = Some(u.clone());
        facts.push(super::document_fact(
            doc,
            "document.amount_unit",
            u,
            None,
            range,
        ));
    }
    facts
}

/// The entity: a 主管部门 line, else the title text between the year and
/// 部门决算, else the cover line before the year.
fn entity_of(head: &str, title: &regex::Captures) -> Option<(String, std::ops::Range<usize>)> {
    if let Some(c) = MANAGER.captures(head) {
        let m = c.name("entity").expect("entity");
        return Some((m.as_str().trim().to_string(), m.range()));
    }
    let between = title.name("between").expect("between");
    let name = between
        .as_str()
        .trim()
        .trim_end_matches("区级")
        .trim_end_matches("单位")
        .trim();
    if name.chars().count() >= 3 && !names_a_topic(name) {
        return Some((name.to_string(), between.range()));
    }
    // `某某市档案馆2023年度“三公”经费支出决算…`: the publisher stands before
    // the year, after any running text (`根据有关规定，现将…`).
    let year = title.name("year").expect("year");
    let before = &head[..year.start()];
    let line_start = before.rfind(['\n', '\x0c']).map(|i| i + 1).unwrap_or(0);
    let clause_start = before[line_start..]
        .rfind(['，', '。', '；', '：', ',', ';', ':'])
        .map(|i| {
            line_start
                + i
                + before[line_start + i..]
                    .chars()
                    .next()
                    .map_or(1, char::len_utf8)
        })
        .unwrap_or(line_start);
    let raw = &before[clause_start..];
    let name = raw.trim_start();
    let name = ["现将", "现就", "特将", "兹将"]
        .iter()
        .find_map(|p| name.strip_prefix(p))
        .unwrap_or(name)
        .trim();
    // A web page's breadcrumb or section line run into its title
    // (`…财政预决算 > 部门决算` / `政府信息公开` then `某某县卫生健康局2023年度…`):
    // the publisher is what follows the last separator or topic word.
    let name = after_breadcrumb(name);
    let start = year.start() - name.len() - (raw.len() - raw.trim_end().len());
    if name.chars().count() >= 3 && !names_a_topic(name) {
        return Some((name.to_string(), start..start + name.len()));
    }
    // A cover that sets the publisher on its own line above `2021年度部门决算`.
    if name.is_empty() {
        let above = before[..line_start].trim_end();
        let above_start = above.rfind(['\n', '\x0c']).map(|i| i + 1).unwrap_or(0);
        let line = above[above_start..].trim();
        let short = (3..=30).contains(&line.chars().count());
        if short && !names_a_topic(line) && !line.contains(['，', '。', '：', ':', '；']) {
            let at = above_start
                + (above[above_start..].len() - above[above_start..].trim_start().len());
            return Some((line.to_string(), at..at + line.len()));
        }
    }
    None
}

/// What follows the last breadcrumb separator (`>`) or topic word of a
/// name: the publisher's own name, when the rest names a topic.
fn after_breadcrumb(name: &str) -> &str {
    let name = name.rsplit(['>', '＞', '»']).next().unwrap_or(name).trim();
    // A breadcrumb's last step names the kind of report (`部门决算`).
    let words = || TOPIC_WORDS.iter().chain(&["决算", "预算"]);
    if !words().any(|w| name.contains(w)) {
        return name;
    }
    let cut = words()
        .filter_map(|w| name.rfind(w).map(|i| i + w.len()))
        .max()
        .unwrap_or(0);
    name[cut..]
        .trim_start_matches(['”', '"', '）', ')', ' '])
        .trim()
}

/// Words of what a report is about, never of who publishes it: a title's
/// `2023年度“三公”经费支出决算` names no entity between year and kind.
fn names_a_topic(name: &str) -> bool {
    TOPIC_WORDS.iter().any(|w| name.contains(w))
}

const TOPIC_WORDS: &[&str] = &[
    "三公",
    "经费",
    "支出",
    "收入",
    "情况",
    "公开",
    "财政拨款",
    "政府性基金",
    "机关运行",
];

fn floor_char(s: &str, mut at: usize) -> usize {
    if at >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    fn entity(text: &str) -> Option<String> {
        crate::pipeline::process(text.as_bytes(), "meta.txt")
            .document
            .entity
    }

    /// A web page's line `来源：… 时间：2024-09-27`: its date is the publication's.
    #[test]
    fn the_date_on_a_pages_source_line_is_its_publication() {
        let doc = crate::pipeline::process(
            "某某区2023年度“三公”经费决算情况说明\n来源:某某区财政局 时间:2024-09-27\n".as_bytes(),
            "meta.txt",
        )
        .document;
        assert_eq!(doc.published_on.as_deref(), Some("2024-09-27"));
    }

    /// The publisher, never the topic between the year and the kind; before
    /// the year after running text, or on the cover line above it.
    #[test]
    fn the_entity_is_the_publisher_not_the_topic() {
        assert_eq!(
            entity("某某县档案馆2023年度“三公”经费支出决算情况公开\n").as_deref(),
            Some("某某县档案馆")
        );
        assert_eq!(
            entity("根据有关规定，现将某某市文化局2024年度“三公”经费预算情况公开如下。\n")
                .as_deref(),
            Some("某某市文化局")
        );
        assert_eq!(
            entity("\n  某某县水利局\n\n  2021年度部门决算\n\n").as_deref(),
            Some("某某县水利局")
        );
        assert_eq!(
            entity("2022年度某某区审计局部门预算\n").as_deref(),
            Some("某某区审计局")
        );
        // A page's breadcrumb or section line run into the title.
        assert_eq!(
            entity("政府信息公开某某县卫生健康局2023年度部门决算\n").as_deref(),
            Some("某某县卫生健康局")
        );
        assert_eq!(
            entity("当前位置：首页 > 财政预决算 > 部门决算某某县卫生健康局2023年度部门决算\n")
                .as_deref(),
            Some("某某县卫生健康局")
        );
    }
}
