//! Assembles `report.html`: header (scenario, description, seed, digest, audit, version), the
//! metrics table, the chart groups with HTML legends around the inline SVGs, the JSON payload
//! and the page's own style sheet and script (`assets/report.css`, `assets/report.js`), all
//! inline. A Content-Security-Policy in the page forbids every network request.

use std::fmt::Write as _;

use crate::chart::{ChartSet, Layout, MarkerKind};
use crate::payload::{grouped, Payload};
use crate::read::Run;
use crate::svg::{escape, render_svg};
use crate::ReportError;

/// The style sheet every report page starts from.
pub(crate) const CSS: &str = include_str!("../assets/report.css");
/// What the comparison and sweep pages add to [`CSS`].
pub(crate) const EXPERIMENT_CSS: &str = include_str!("../assets/experiment.css");
/// The page's own script (hover and time-axis zoom), inlined after its payload.
pub(crate) const JS: &str = include_str!("../assets/report.js");

/// The start of a page, up to and including `<body>`: the Content-Security-Policy that forbids
/// every request, the title and the inline style sheets.
pub(crate) fn head(title: &str, styles: &[&str]) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>Cascade report: {}</title>
<style>
"#,
        escape(title)
    );
    for css in styles {
        h.push_str(css);
    }
    h.push_str("</style>\n</head>\n<body>\n");
    h
}

/// Serialises a payload for a `<script type="application/json">` element: `<` only occurs
/// inside JSON strings, where `\u003c` means the same, so no `</script>` or `<!--` can appear.
pub(crate) fn json_for_script<T: serde::Serialize>(payload: &T) -> String {
    serde_json::to_string(payload)
        .expect("payloads have string keys and finite numbers only")
        .replace('<', "\\u003c")
}

/// The whole page.
pub fn page(
    run: &Run,
    sets: &[ChartSet],
    payload: &Payload,
    layout: &Layout,
) -> Result<String, ReportError> {
    let info = &payload.run;
    let mut h = String::with_capacity(1 << 20);
    let title = format!("{} (seed {})", info.scenario, info.seed);
    h.push_str(&head(&title, &[CSS]));
    let _ = write!(
        h,
        r#"<header>
<h1>{}</h1>
<p class="description">{}</p>
<dl class="facts">
"#,
        escape(&title),
        escape(&info.description),
    );
    let audit = match (info.audit, &info.audit_failure) {
        ("passed", _) => format!(
            r#"<span class="ok">passed</span> ({} engine steps checked)"#,
            grouped(info.audit_steps as f64, 0)
        ),
        ("failed", Some(f)) => format!(r#"<span class="bad">failed</span>: {}"#, escape(f)),
        ("failed", None) => r#"<span class="bad">failed</span>"#.to_string(),
        _ => "not audited (run with <code>--audit</code> to check every engine step)".to_string(),
    };
    for (name, value) in [
        ("Scenario", escape(&info.scenario)),
        ("Seed", info.seed.to_string()),
        ("Event digest", format!("<code>{}</code>", escape(&info.digest))),
        ("Audit", audit),
        (
            "Simulated",
            format!("{} s, {} engine events", info.duration_s, grouped(info.events as f64, 0)),
        ),
        (
            "Made by",
            format!("cascade {} (output version {})", escape(&info.version), info.output_version),
        ),
        ("Run folder", escape(&run.dir.display().to_string())),
    ] {
        let _ = writeln!(h, "<dt>{name}</dt><dd>{value}</dd>");
    }
    h.push_str("</dl>\n</header>\n<main>\n<section>\n<h2>Metrics</h2>\n");
    h.push_str(
        "<table class=\"metrics\">\n<thead><tr><th>Metric</th><th>Value</th><th>What it means</th></tr></thead>\n<tbody>\n",
    );
    for m in &payload.metrics {
        let _ = writeln!(
            h,
            r#"<tr><td>{}</td><td class="num" data-key="{}">{}</td><td>{}</td></tr>"#,
            escape(m.label),
            m.key,
            escape(&m.text),
            escape(m.explanation)
        );
    }
    h.push_str("</tbody>\n</table>\n</section>\n");
    h.push_str(
        "<section class=\"charts\">\n<p class=\"hint\">Hover a chart to read the values at a second. \
         Drag across a chart to zoom the time axis of every chart; double-click or press Esc to \
         reset. <button type=\"button\" id=\"reset-zoom\" hidden>Reset zoom</button> \
         <span id=\"zoom-range\"></span></p>\n",
    );
    let time = (payload.time_domain[0], payload.time_domain[1]);
    for (si, set) in sets.iter().enumerate() {
        let _ = writeln!(
            h,
            r#"<h2 class="set">{} · {}{}</h2>"#,
            escape(&set.venue),
            escape(&set.market),
            if set.primary { r#" <span class="badge">primary market</span>"# } else { "" }
        );
        for (ci, c) in set.charts.iter().enumerate() {
            let _ = write!(
                h,
                r#"<figure class="chart-box"><figcaption><span class="title">{}</span> <span class="unit">({})</span><span class="legend">"#,
                escape(c.title),
                escape(c.unit)
            );
            for (k, s) in c.series.iter().enumerate() {
                let _ = write!(
                    h,
                    r#"<span class="key"><i style="background:{}"></i>{}<b data-v="{si}-{ci}-{k}"></b></span>"#,
                    s.color,
                    escape(s.label)
                );
            }
            if c.markers {
                for kind in MarkerKind::ALL {
                    let n: u32 =
                        set.markers.iter().filter(|m| m.kind == kind).map(|m| m.count).sum();
                    let _ = write!(
                        h,
                        r#"<span class="key marker"><i style="background:{}"></i>{} ({n})</span>"#,
                        kind.color(),
                        kind.label()
                    );
                }
            }
            h.push_str("</span></figcaption>\n");
            h.push_str(&render_svg(set, ci, layout, time, (si, ci))?);
            h.push_str("\n</figure>\n");
        }
    }
    h.push_str("</section>\n</main>\n");
    let _ = write!(
        h,
        "<footer>Cascade run report, payload format {}. Self-contained: it loads nothing from the network.</footer>\n\
         <div id=\"tip\" class=\"tip\" hidden></div>\n\
         <script type=\"application/json\" id=\"cascade-data\">{}</script>\n<script>\n{JS}</script>\n</body>\n</html>\n",
        payload.format,
        json_for_script(payload)
    );
    Ok(h)
}
