//! The comparison report: a hand-made comparison pinned by a snapshot of its payload (tables and
//! overlaid charts, not pixels), and the report of real runs of a shortened built-in scenario
//! with two variants: every figure and chart has drawn content, nothing is referenced from
//! outside, and the tables agree with compare.json.

mod common;

use cascade_experiment::{Compare, Variant};
use cascade_report::{
    build_compare, compare_page, compare_payload, read_compare, render_compare, Layout,
    COMPARE_PAYLOAD_FORMAT, REPORT_FILE,
};
use cascade_scenario::Assignment;
use common::experiment::{base, data, embedded_json, figures, hand_compare, with};

#[test]
fn hand_made_comparison() {
    let c = hand_compare();
    let layout = Layout::default();
    let (html, payload) = compare_page(&c, &layout).unwrap();
    assert_eq!(payload.format, COMPARE_PAYLOAD_FORMAT);
    assert_eq!(embedded_json(&html), serde_json::to_value(&payload).unwrap());
    common::assert_offline(&html);

    // Escaped text, overrides, the explanations of the run report (and none for a metric this
    // version does not know).
    assert!(html.contains("A &lt;b&gt;crash&lt;/b&gt; &amp; &quot;quotes&quot; pulled"));
    assert!(!html.contains("<b>crash"));
    assert!(html.contains("small &lt;vault&gt;"));
    assert!(html.contains("<code>venues.dex.vault_usd=&quot;20000&quot;</code>"));
    assert!(html.contains("Deficits no backstop, insurance fund or ADL covered"));
    assert!(html.contains("Auto-deleveraging fills, one per counterparty position reduced."));
    assert_eq!(payload.metrics[3].label, "mystery_metric");

    // Intervals that exclude zero are marked (one above, one below zero; [0, 0] does not).
    let marked: Vec<(&str, &str)> = payload
        .metrics
        .iter()
        .flat_map(|m| {
            m.rows
                .iter()
                .filter(|r| r.excludes_zero)
                .map(move |r| (m.metric.as_str(), r.variant.as_str()))
        })
        .collect();
    assert_eq!(marked, [("bad_debt_usd", "capped"), ("mystery_metric", "capped")]);
    assert_eq!(html.matches("<tr class=\"sig\">").count(), 2);
    assert_eq!(
        payload.metrics[0].rows[0].text,
        ["1,000 USD", "25,000 USD", "+24,000 USD", "[+4,000 USD, +44,000 USD]"]
    );
    assert_eq!(payload.metrics[1].rows[1].text[3], "—");

    // A forest plot per metric with a value (first ADL has none), a dot per variant.
    let forests = figures(&html, "forest");
    assert_eq!(forests.len(), 3);
    for f in &forests {
        assert!(data(f).matches("<circle").count() >= 2, "{f}");
    }
    assert!(html.contains("No seed has a value in both runs"));

    // Overlay: the union of the seconds, one series per variant, hover legends.
    let set = &payload.sets[0];
    assert_eq!(set.time_s, [1, 2, 3, 4, 5, 6]);
    assert_eq!(
        set.charts[0].series[2].values,
        [None, Some(99.5), Some(79.0), Some(84.0), Some(86.0), Some(87.0)]
    );
    assert_eq!(set.charts[0].series[1].values[3], None, "a missing mark is a gap");
    let charts = common::chart_svgs(&html);
    assert_eq!(charts.len(), 2);
    for svg in &charts {
        let shapes = common::drawn_shapes(svg);
        assert!(
            shapes.iter().filter(|(n, span)| *n >= 2 && *span > 0.0).count() >= 3,
            "{shapes:?}"
        );
    }
    assert!(html.contains(r#"<b data-v="0-1-2"></b>"#));

    let mut value = serde_json::to_value(&payload).unwrap();
    // The charts' pixel geometry is covered by the run report's tests.
    value["layout"] = serde_json::json!("<layout>");
    insta::assert_json_snapshot!("hand_made_compare_payload", value);
}

#[test]
fn comparison_of_real_runs() {
    let base = base();
    let variant = |name: &str, pairs: &[(&str, &str)]| Variant {
        name: name.into(),
        assignments: pairs
            .iter()
            .map(|(k, v)| Assignment { key: (*k).into(), value: (*v).into() })
            .collect(),
        scenario: with(&base, pairs),
    };
    let variants = [
        variant(
            "loss-cap",
            &[("venues.perp-dex.overrides.liquidation.backstop.loss_cap", "\"25000\"")],
        ),
        variant("small-vault", &[("venues.perp-dex.vault_usd", "\"20000\"")]),
    ];
    let c: Compare =
        cascade_experiment::compare(&base, &variants, &[42, 43], 2, |_, _| {}).unwrap();
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("compare");
    cascade_experiment::write_compare(&dir, &c).unwrap();

    let path = render_compare(&dir).unwrap();
    assert_eq!(path, dir.join(REPORT_FILE));
    let html = std::fs::read_to_string(&path).unwrap();
    eprintln!("compare report of real runs: {} bytes", html.len());
    let (built, payload) = build_compare(&dir, &Layout::default()).unwrap();
    assert_eq!(built, html, "rendering twice gives the same page");
    // JSON keeps every number to within a unit of the last place; the cells read the same.
    assert_eq!(payload, compare_payload(&read_compare(&dir).unwrap(), &Layout::default()));
    let direct = compare_payload(&c, &Layout::default());
    let texts = |p: &cascade_report::ComparePayload| -> Vec<[String; 4]> {
        p.metrics.iter().flat_map(|m| m.rows.iter().map(|r| r.text.clone())).collect()
    };
    assert_eq!(texts(&payload), texts(&direct));
    common::assert_offline(&html);
    assert!(html.contains("leveraged longs are liquidated"), "the scenario's description");
    assert!(html.contains("42, 43 (2)"));
    for (name, overrides) in &c.variants {
        assert!(html.contains(name.as_str()));
        for o in overrides {
            assert!(html.contains(&format!("<code>{}</code>", o.replace('"', "&quot;"))), "{o}");
        }
    }

    // One table per metric with the run report's explanation, one row per variant; marks where
    // compare.json's interval excludes zero.
    for m in &c.metrics {
        let info = cascade_report::metric_info(m).unwrap();
        assert!(html.contains(&format!("id=\"m-{m}\"")), "{m}");
        assert!(html.contains(info.explanation), "{m}");
    }
    let excluding =
        c.lines.iter().filter(|l| l.ci95.is_some_and(|[a, b]| a > 0.0 || b < 0.0)).count();
    assert_eq!(html.matches("<tr class=\"sig\">").count(), excluding);
    let backstop = payload.metrics.iter().find(|m| m.metric == "backstop_notional_usd").unwrap();
    assert_eq!(backstop.rows.len(), 2);
    assert!(backstop.rows.iter().all(|r| r.n == 2 && r.ci95.is_some()));

    // Every forest plot drew a dot per variant with a value, and an interval; metrics where
    // every variant equals the baseline on every seed say so instead.
    let forests = figures(&html, "forest");
    let differing: Vec<&cascade_report::MetricComparison> = payload
        .metrics
        .iter()
        .filter(|m| {
            m.rows.iter().any(|r| {
                r.diff_mean.is_some_and(|d| d != 0.0) || r.ci95.is_some_and(|c| c != [0.0, 0.0])
            })
        })
        .collect();
    assert!(differing.len() >= 4, "{}", differing.len());
    assert_eq!(forests.len(), differing.len());
    for (f, m) in forests.iter().zip(&differing) {
        let dots = m.rows.iter().filter(|r| r.diff_mean.is_some()).count();
        let d = data(f);
        assert!(d.matches("<circle").count() >= dots, "{}: {d}", m.metric);
        assert!(d.contains("<polyline"), "{}: the zero line and intervals", m.metric);
    }
    assert!(html.contains("No difference: every variant equals the baseline on every seed."));

    // The overlay: baseline and both variants on the first seed, drawn across the time axis.
    assert_eq!(payload.overlay_seed, Some(42));
    let set = &payload.sets[0];
    assert_eq!(set.charts.len(), 2);
    assert!(set.time_s.len() >= 690, "{}", set.time_s.len());
    let names: Vec<&str> = set.charts[0].series.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(names, ["baseline", "loss-cap", "small-vault"]);
    let layout = Layout::default();
    for (svg, chart) in common::chart_svgs(&html).iter().zip(&set.charts) {
        let canvas = f64::from(chart.plot.width * layout.supersample);
        let shapes = common::drawn_shapes(svg);
        let long = shapes.iter().filter(|&&(n, span)| n >= 2 && span >= 0.9 * canvas).count();
        assert_eq!(long, 3, "chart `{}`: a line per variant over the run: {shapes:?}", chart.id);
    }
    assert!(!common::files(&dir).iter().any(|f| f.ends_with(".tmp")));
}
