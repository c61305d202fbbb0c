//! `wfc drill --report drill.html`: one self-contained page (inline SVG and CSS, no script, no
//! outside resource): the timeline of the executions' phases and the world's events on the
//! virtual clock (a Gantt-style SVG), the outage as customers saw it (checkouts per minute:
//! ordered, gated with 503, failed), the notifications, and every task the executions ran.

use crate::drill::Report;
use std::fmt::Write;

fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const ROW: f64 = 22.0;
const LEFT: f64 = 330.0;
const WIDTH: f64 = 1100.0;

pub fn render(r: &Report) -> String {
    let end = r
        .phases
        .iter()
        .map(|p| p.end_seconds)
        .chain(r.timeline.iter().map(|(t, _)| *t))
        .fold(60.0f64, f64::max);
    let x = |t: f64| LEFT + (t / end) * (WIDTH - LEFT - 20.0);
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>wfc drill: {} on {}</title>\n<style>body{{font-family:system-ui,sans-serif;margin:24px;color:#222}}table{{border-collapse:collapse;margin:8px 0}}td,th{{border:1px solid #ccc;padding:3px 8px;font-size:13px;text-align:left}}h2{{margin-top:28px}}.bad{{color:#b00}}</style></head><body>\n",
        esc(&r.scenario),
        esc(&r.stack)
    );
    let opt = |v: Option<f64>| v.map_or("—".to_string(), |v| format!("{v:.1} s"));
    let _ = write!(
        s,
        "<h1>wfc drill: {} on the {} stack (seed {})</h1>\n<table><tr><th>outcome</th><td>{}</td></tr><tr><th>RTO (customers, DNS caches included)</th><td>{}</td></tr><tr><th>RPO</th><td>{} orders, {:.1} s of writes</td></tr><tr><th>orchestration overhead</th><td>{}</td></tr><tr><th>invariants</th><td class=\"{}\">{}</td></tr></table>\n",
        esc(&r.scenario),
        esc(&r.stack),
        r.seed,
        esc(&r.outcome),
        opt(r.rto_seconds),
        r.rpo_orders_lost,
        r.rpo_seconds,
        opt(r.orchestration_overhead_seconds),
        if r.invariant_violations.is_empty() { "" } else { "bad" },
        if r.invariant_violations.is_empty() {
            "all held".to_string()
        } else {
            format!("{} broken", r.invariant_violations.len())
        }
    );
    for v in &r.invariant_violations {
        let _ = writeln!(
            s,
            "<p class=\"bad\">BROKEN {} at {:.1} s ({}): {}</p>",
            esc(&v.invariant),
            v.at_seconds,
            esc(&v.step),
            esc(&v.state)
        );
    }
    // The timeline: one row per phase, then one row of the world's events.
    let rows = r.phases.len() + 2;
    let height = 40.0 + rows as f64 * ROW;
    let _ = write!(
        s,
        "<h2>Timeline (virtual seconds)</h2>\n<svg id=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" font-size=\"11\">\n"
    );
    let mut tick = 0.0;
    let step = if end > 3000.0 { 600.0 } else { 120.0 };
    while tick <= end {
        let _ = writeln!(
            s,
            "<line x1=\"{0:.1}\" y1=\"20\" x2=\"{0:.1}\" y2=\"{1:.1}\" stroke=\"#eee\"/><text x=\"{0:.1}\" y=\"14\" text-anchor=\"middle\">{2:.0}</text>",
            x(tick),
            height - 10.0,
            tick
        );
        tick += step;
    }
    let outage = x(r.outage_start_seconds);
    let _ = writeln!(
        s,
        "<line x1=\"{outage:.1}\" y1=\"20\" x2=\"{outage:.1}\" y2=\"{:.1}\" stroke=\"#b00\" stroke-dasharray=\"4 3\"><title>outage starts</title></line>",
        height - 10.0
    );
    for (n, p) in r.phases.iter().enumerate() {
        let y = 28.0 + n as f64 * ROW;
        let (x0, x1) = (
            x(p.start_seconds),
            x(p.end_seconds).max(x(p.start_seconds) + 2.0),
        );
        let label: String = p
            .name
            .chars()
            .rev()
            .take(48)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let _ = writeln!(
            s,
            "<text x=\"4\" y=\"{:.1}\">{}</text><rect class=\"phase\" x=\"{x0:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#4a7fb5\"><title>{}: {:.1} s – {:.1} s</title></rect>",
            y + 13.0,
            esc(&label),
            x1 - x0,
            ROW - 6.0,
            esc(&p.name),
            p.start_seconds,
            p.end_seconds
        );
    }
    let y = 28.0 + r.phases.len() as f64 * ROW + 4.0;
    let _ = writeln!(s, "<text x=\"4\" y=\"{:.1}\">the world</text>", y + 12.0);
    for (t, what) in &r.timeline {
        let _ = writeln!(
            s,
            "<circle class=\"event\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"#e08a1e\"><title>{t:.1} s: {}</title></circle>",
            x(*t),
            y + 8.0,
            esc(what)
        );
    }
    s.push_str("</svg>\n");
    // Checkouts per minute, as customers saw them.
    let most = r
        .checkouts_per_minute
        .iter()
        .map(|(_, o, g, f)| o + g + f)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let minutes = r.checkouts_per_minute.last().map_or(1, |m| m.0 + 1) as f64;
    let bar = (WIDTH - 60.0) / minutes;
    let _ = write!(
        s,
        "<h2>The outage as customers saw it (checkouts per minute: ordered, gated 503, failed)</h2>\n<svg id=\"checkouts\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"160\" font-size=\"11\">\n"
    );
    for (m, o, g, f) in &r.checkouts_per_minute {
        let mut top = 140.0;
        for (n, color, what) in [
            (o, "#3a9a4a", "ordered"),
            (g, "#e0b21e", "gated 503"),
            (f, "#c0392b", "failed"),
        ] {
            let h = *n as f64 / most * 120.0;
            top -= h;
            let _ = writeln!(
                s,
                "<rect x=\"{:.1}\" y=\"{top:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{color}\"><title>minute {m}: {n} {what}</title></rect>",
                40.0 + *m as f64 * bar,
                (bar - 1.0).max(1.0)
            );
        }
    }
    s.push_str("<text x=\"4\" y=\"155\">minutes of the drill →</text></svg>\n");
    s.push_str(
        "<h2>Notifications</h2>\n<table><tr><th>at</th><th>subject</th><th>message</th></tr>\n",
    );
    for n in &r.notifications {
        let _ = writeln!(
            s,
            "<tr><td>{:.1} s</td><td>{}</td><td>{}</td></tr>",
            n["at_seconds"].as_f64().unwrap_or(0.0),
            esc(n["subject"].as_str().unwrap_or("")),
            esc(&n["message"]
                .as_str()
                .unwrap_or("")
                .chars()
                .take(300)
                .collect::<String>())
        );
    }
    s.push_str("</table>\n<h2>Execution history (tasks)</h2>\n<table><tr><th>execution</th><th>at</th><th>seconds</th><th>state</th><th>activity</th><th>outcome</th></tr>\n");
    for t in &r.tasks {
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{:.1} s</td><td>{:.1}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&t.execution),
            t.start_seconds,
            t.seconds,
            esc(&t.state),
            esc(&t.activity),
            esc(&t.outcome)
        );
    }
    s.push_str("</table>\n</body></html>\n");
    s
}
