// temporary dev harness
use caizheng::pipeline::{analyse, Config};
#[test]
fn dev() {
    let name = std::env::var("DOC").unwrap_or("panzhihua-beijing-office-2020-final.txt".into());
    let path = format!("{}/../shared/corpus/{}", env!("CARGO_MANIFEST_DIR"), name);
    let raw = std::fs::read_to_string(std::env::var("TXT").unwrap_or(path)).unwrap();
    let pages: Vec<String> = raw.split('\x0c').map(|s| s.to_string()).collect();
    let n = caizheng::normalize::normalize_pages(&pages);
    let doc = caizheng::read::Document { sha256: String::new(), source: name.clone(), format: caizheng::read::SourceFormat::Text, text: n.text, page_starts: n.page_starts };
    if std::env::var("DUMP").is_ok() { std::fs::write("/tmp/dump.txt", &doc.text).unwrap(); }
    let cfg = Config::builtin();
    let tree = caizheng::sections::build(&doc.text, &cfg.kinds);
    if std::env::var("TREE").is_ok() { for s in &tree.sections { println!("S {} {} [{}] {}", s.level, s.number.unwrap_or(0), s.kind, s.title); } for t in &tree.toc { println!("T {} {:?} [{}] {}", t.level, t.page, t.kind, t.title); } }
    let r = analyse(&doc, &cfg);
    let truth: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(format!("{}/../shared/corpus/truth/{}.json", env!("CARGO_MANIFEST_DIR"), name.trim_end_matches(".txt").trim_end_matches(".pdf"))).unwrap()).unwrap();
    let tf: Vec<&serde_json::Value> = truth["facts"].as_array().unwrap().iter().filter(|f| f["source"] == "narrative").collect();
    let keys: std::collections::HashSet<String> = tf.iter().map(|f| f["key"].as_str().unwrap().to_string()).collect();
    let mut used = vec![false; r.facts.len()];
    let mut hit = 0;
    for t in &tf {
        let m = r.facts.iter().enumerate().position(|(i, f)| !used[i] && f.key == t["key"].as_str().unwrap() && f.value == t["value"].as_str().unwrap() && (t["label"].is_null() || f.label.as_deref() == t["label"].as_str()));
        match m { Some(i) => { used[i] = true; hit += 1; } None => println!("MISS {} {} {:?} | {}", t["key"], t["value"], t["label"].as_str(), t["quote"]) }
    }
    let mut fp = 0; let mut cov = 0;
    for f in &r.facts { if keys.contains(&f.key) { cov += 1; let ok = tf.iter().any(|t| f.key == t["key"].as_str().unwrap() && f.value == t["value"].as_str().unwrap() && (t["label"].is_null() || f.label.as_deref() == t["label"].as_str())); if !ok { fp += 1; println!("EXTRA {} {} {:?} [{}] | {}", f.key, f.value, f.label, f.pattern, f.text); } } else if std::env::var("ALL").is_ok() { println!("OTHER {} {} {:?} [{}] | {}", f.key, f.value, f.label, f.pattern, f.text); } }
    println!("recall {}/{} = {:.3}; precision {}/{} = {:.3}", hit, tf.len(), hit as f64 / tf.len() as f64, cov - fp, cov, (cov - fp) as f64 / cov.max(1) as f64);
}
