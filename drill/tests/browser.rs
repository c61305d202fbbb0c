//! The drill's report page in a real browser (issue 13): the page of the default scenario is
//! rendered by headless Chromium, which takes a screenshot (the timeline's bars and events are
//! on it), lays the timeline out (every bar and event inside the chart, the row labels in their
//! column, no label over another or over a bar) and logs nothing to the console. A page that throws proves the console check.
//!
//! Chromium is Debian's, installed by scripts/setup-tools.sh; `bash scripts/test.sh` exports
//! WFC_CHROMIUM. Without it the test fails, it does not skip: a green run must mean a browser ran.
//! The screenshot stays in `target/tmp/browser/` to look at.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use wfc_drill::drill::{self, DrillOptions, Report};

/// Without the networking flags Chromium keeps calling Google's hosts, which this closed network
/// refuses, and can hang; a fresh profile keeps one run from seeing another's state.
const HEADLESS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    // Console messages (the page's errors among them) go to stderr as `…:CONSOLE…] "text"`.
    "--enable-logging=stderr",
    "--v=0",
];

/// The colours html.rs draws the timeline with: a phase bar, a world event.
const PHASE_RGB: [u8; 3] = [0x4a, 0x7f, 0xb5];
const EVENT_RGB: [u8; 3] = [0xe0, 0x8a, 0x1e];

fn chromium() -> PathBuf {
    let path = std::env::var_os("WFC_CHROMIUM").unwrap_or_else(|| {
        panic!(
            "WFC_CHROMIUM is not set. Run the tests with `bash scripts/test.sh` (it installs \
             Debian's chromium with `bash scripts/setup-tools.sh` and exports WFC_CHROMIUM)."
        )
    });
    let path = PathBuf::from(path);
    assert!(
        path.is_file(),
        "WFC_CHROMIUM={} does not exist; run `bash scripts/setup-tools.sh`",
        path.display()
    );
    path
}

/// A fresh, empty directory for one browser run.
fn workdir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("browser")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// What one headless run printed: stdout (the DOM with `--dump-dom`) and the console messages.
struct Run {
    stdout: String,
    console: Vec<String>,
}

/// Opens `page` in headless Chromium with `mode` (`--screenshot=…` or `--dump-dom`), a new empty
/// profile in `dir`; fails after 60 s rather than hang the suite.
fn open(dir: &Path, page: &Path, mode: &[&str]) -> Run {
    let profile = dir.join("profile");
    std::fs::create_dir_all(&profile).unwrap();
    let (out, err) = (dir.join("stdout"), dir.join("stderr"));
    let mut child = Command::new(chromium())
        .args(HEADLESS)
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(mode)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .expect("chromium starts");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium did not finish in 60 s; its log: {}",
                err.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stderr = std::fs::read_to_string(&err).unwrap();
    assert!(
        status.success(),
        "chromium {mode:?} failed ({status}):\n{stderr}"
    );
    Run {
        stdout: std::fs::read_to_string(&out).unwrap(),
        console: stderr
            .lines()
            .filter(|l| l.contains(":CONSOLE"))
            .map(str::to_string)
            .collect(),
    }
}

/// The report page of the default scenario (`wfc drill`'s defaults), written into `dir`.
fn default_report(dir: &Path) -> (Report, String, PathBuf) {
    let report = drill::run(&DrillOptions::new("primary-db-down", "rds", 1).unwrap()).unwrap();
    let html = wfc_drill::html::render(&report);
    let page = dir.join("drill.html");
    std::fs::write(&page, &html).unwrap();
    (report, html, page)
}

/// Decoded RGB pixels of a PNG screenshot, with its width and height.
fn pixels(png_path: &Path) -> (u32, u32, Vec<[u8; 3]>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(png_path).unwrap(),
    ));
    let mut reader = decoder.read_info().expect("the screenshot is a PNG");
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).expect("the PNG decodes");
    let channels = info.color_type.samples();
    assert!(
        info.bit_depth == png::BitDepth::Eight && channels >= 3,
        "unexpected PNG format {info:?}"
    );
    let rgb = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    (info.width, info.height, rgb)
}

/// Appended to a copy of the page (the report itself has no script): the laid-out boxes of the
/// timeline's elements, written into the DOM that `--dump-dom` prints.
const MEASURE: &str = r#"<script>
const box = e => { const b = e.getBoundingClientRect(); return [b.left, b.top, b.width, b.height]; };
const svg = document.getElementById("timeline");
const pre = document.createElement("pre");
pre.id = "geometry";
pre.textContent = JSON.stringify({
  svg: box(svg),
  chart_left: svg.querySelector("line").getBoundingClientRect().left,
  phases: [...svg.querySelectorAll("rect.phase")].map(box),
  events: [...svg.querySelectorAll("circle.event")].map(box),
  texts: [...svg.querySelectorAll("text")].map(t => ({ text: t.textContent, box: box(t) })),
});
document.body.append(pre);
</script>"#;

fn rect(v: &Value) -> [f64; 4] {
    let r: Vec<f64> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_f64().unwrap())
        .collect();
    [r[0], r[1], r[2], r[3]]
}

fn inside(inner: [f64; 4], outer: [f64; 4]) -> bool {
    inner[0] >= outer[0] - 0.5
        && inner[1] >= outer[1] - 0.5
        && inner[0] + inner[2] <= outer[0] + outer[2] + 0.5
        && inner[1] + inner[3] <= outer[1] + outer[3] + 0.5
}

/// Overlap of more than a pixel each way (glyph boxes of neighbouring rows may touch).
fn overlap(a: [f64; 4], b: [f64; 4]) -> bool {
    a[0] + a[2] > b[0] + 1.0
        && b[0] + b[2] > a[0] + 1.0
        && a[1] + a[3] > b[1] + 1.0
        && b[1] + b[3] > a[1] + 1.0
}

#[test]
fn the_report_page_renders_its_timeline_in_chromium_without_console_errors() {
    let dir = workdir("report");
    let (report, html, page) = default_report(&dir);
    assert!(
        !report.phases.is_empty() && !report.timeline.is_empty(),
        "the default scenario has phases and world events to draw"
    );
    // Self-contained: nothing for the browser to fetch, no script.
    for outside in ["src=", "href=", "url(", "@import", "<script"] {
        assert!(!html.contains(outside), "the page has {outside}");
    }

    // (a) The screenshot, and (c) the console of that same, unmodified page.
    let shot = dir.join("drill.png");
    let run = open(
        &dir,
        &page,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,2000",
        ],
    );
    assert!(
        run.console.is_empty(),
        "the report page logged to the console:\n{}",
        run.console.join("\n")
    );
    let (width, height, rgb) = pixels(&shot);
    assert_eq!((width, height), (1280, 2000), "{}", shot.display());
    let count = |c: [u8; 3]| rgb.iter().filter(|p| **p == c).count();
    let colours: std::collections::BTreeSet<[u8; 3]> = rgb.iter().copied().collect();
    assert!(
        colours.len() > 20,
        "the screenshot is near one colour ({} colours): {}",
        colours.len(),
        shot.display()
    );
    // Every phase bar is at least 2 px × 16 px; every event a disc of radius 4.
    let (bar_pixels, event_pixels) = (count(PHASE_RGB), count(EVENT_RGB));
    assert!(
        bar_pixels >= report.phases.len() * 2 * 16,
        "{bar_pixels} pixels of the phase bars' colour for {} phases: {}",
        report.phases.len(),
        shot.display()
    );
    assert!(
        event_pixels >= 20,
        "{event_pixels} pixels of the events' colour: {}",
        shot.display()
    );

    // (b) The timeline as Chromium laid it out, measured on a copy of the page.
    let measured = dir.join("measured.html");
    std::fs::write(
        &measured,
        html.replace("</body>", &format!("{MEASURE}</body>")),
    )
    .unwrap();
    let dom = open(&workdir("measure"), &measured, &["--dump-dom"]).stdout;
    let json = dom
        .split("<pre id=\"geometry\">")
        .nth(1)
        .and_then(|rest| rest.split("</pre>").next())
        .unwrap_or_else(|| panic!("no measurements in the DOM Chromium dumped:\n{dom}"));
    let geometry: Value = serde_json::from_str(json).unwrap();
    let svg = rect(&geometry["svg"]);
    assert!(svg[2] >= 1000.0 && svg[3] > 0.0, "timeline box {svg:?}");
    let phases: Vec<[f64; 4]> = geometry["phases"]
        .as_array()
        .unwrap()
        .iter()
        .map(rect)
        .collect();
    assert_eq!(phases.len(), report.phases.len(), "one bar per phase");
    for (bar, phase) in phases.iter().zip(&report.phases) {
        assert!(
            bar[2] >= 1.0 && bar[3] >= 1.0 && inside(*bar, svg),
            "the bar of {} is {bar:?}, the timeline {svg:?}",
            phase.name
        );
    }
    let events = geometry["events"].as_array().unwrap();
    assert_eq!(events.len(), report.timeline.len(), "one dot per event");
    for (dot, (at, what)) in events.iter().map(rect).zip(&report.timeline) {
        assert!(
            dot[2] > 0.0 && inside(dot, svg),
            "the event {what} at {at} s is drawn at {dot:?}, the timeline {svg:?}"
        );
    }
    // Readable: the row labels stay in their column left of the chart (whose first grid line is
    // the first `line`), and no label lies over another label or over a bar.
    let chart_left = geometry["chart_left"].as_f64().unwrap();
    let texts: Vec<(String, [f64; 4])> = geometry["texts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["text"].as_str().unwrap().to_string(), rect(&t["box"])))
        .collect();
    for (label, b) in texts.iter().filter(|(_, b)| b[0] < chart_left - 20.0) {
        assert!(
            b[0] + b[2] <= chart_left,
            "the label {label:?} {b:?} runs into the chart, which starts at x = {chart_left}"
        );
    }
    for (n, (a, a_box)) in texts.iter().enumerate() {
        for (b, b_box) in &texts[n + 1..] {
            assert!(
                !overlap(*a_box, *b_box),
                "labels {a:?} {a_box:?} and {b:?} {b_box:?} overlap"
            );
        }
        for bar in &phases {
            assert!(
                !overlap(*a_box, *bar),
                "label {a:?} {a_box:?} lies over a bar {bar:?}"
            );
        }
    }
    println!("screenshot: {}", shot.display());
}

#[test]
fn a_page_that_throws_fails_the_console_check() {
    let dir = workdir("throws");
    let (_, html, page) = default_report(&dir);
    std::fs::write(
        &page,
        html.replace("</body>", "<script>throw new Error(\"x\")</script></body>"),
    )
    .unwrap();
    let run = open(&dir, &page, &["--dump-dom"]);
    assert!(
        run.console.iter().any(|l| l.contains("Uncaught Error: x")),
        "the thrown error is not in the console lines {:?}",
        run.console
    );
}
