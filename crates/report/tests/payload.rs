//! The report's data payload of a small hand-made run, pinned by a snapshot (the pixels are
//! checked separately): sets grouped per market with the primary first, markers aggregated per
//! second and kind (system-account liquidations left out, market-less events on every market of
//! their venue), metrics with their explanations, values rounded to six significant digits.

mod common;

use cascade_report::{build, Layout, MarkerKind, PAYLOAD_FORMAT};

#[test]
fn payload_of_a_hand_made_run() {
    let dir = tempfile::tempdir().unwrap();
    let run = common::write_run(&dir.path().join("run"));
    let (html, payload) = build(&run, &Layout::default()).unwrap();

    assert_eq!(payload.format, PAYLOAD_FORMAT);
    let names: Vec<String> =
        payload.sets.iter().map(|s| format!("{} {} {}", s.venue, s.market, s.primary)).collect();
    assert_eq!(names, ["dex ALT-PERP true", "cex BTC-PERP false", "dex ETH-PERP false"]);
    // The cross-margin liquidation has no market: it is marked on both dex markets, not on cex.
    let liquidations = |i: usize| {
        payload.sets[i].markers.iter().filter(|m| m.kind == MarkerKind::Liquidation).count()
    };
    assert_eq!((liquidations(0), liquidations(1), liquidations(2)), (1, 0, 1));

    // The page embeds exactly this payload.
    let start = html.find(r#"<script type="application/json" id="cascade-data">"#).unwrap();
    let json = &html[start..];
    let json = &json[json.find('>').unwrap() + 1..json.find("</script>").unwrap()];
    assert!(!json.contains('<'), "`<` is escaped inside the script element");
    let embedded: serde_json::Value = serde_json::from_str(json).unwrap();
    let mut value = serde_json::to_value(&payload).unwrap();
    assert_eq!(embedded, value);

    // Redact what changes with the crate version and the machine.
    value["run"]["version"] = serde_json::json!("<version>");
    insta::assert_json_snapshot!("hand_made_payload", value);
}
