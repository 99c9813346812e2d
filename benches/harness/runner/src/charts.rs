//! One SVG per scenario (plotters): requests/s, TP99, TP999 and CPU µs/request as bars, one
//! bar per server; the echo sizes as lines over the body size. hertz-rs is drawn in orange,
//! the peers in blue, the raw epoll responder (a speed limit, not a framework) in grey.

use std::path::Path;

use plotters::coord::ranged1d::SegmentValue;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor;

use crate::report::Cell;

const OURS: RGBColor = RGBColor(230, 85, 13);
const PEER: RGBColor = RGBColor(90, 130, 185);
const LIMIT: RGBColor = RGBColor(165, 165, 165);
/// Line colours for the echo chart's peers (ours is always [`OURS`]).
const PEER_LINES: [RGBColor; 6] = [
    RGBColor(49, 130, 189),
    RGBColor(49, 163, 84),
    RGBColor(117, 107, 177),
    RGBColor(140, 86, 75),
    RGBColor(23, 190, 207),
    RGBColor(165, 165, 165),
];

fn color_of(cell: &Cell) -> RGBColor {
    if cell.ours {
        OURS
    } else if cell.server == "epoll" {
        LIMIT
    } else {
        PEER
    }
}

/// One server's line: its name, whether it is ours, its (KiB, value) points.
type Line<'a> = (&'a String, bool, Vec<(f64, f64)>);

/// One bar panel: its caption, its y axis, and the figure it shows.
pub(crate) struct Metric {
    pub(crate) title: &'static str,
    pub(crate) y_label: &'static str,
    pub(crate) value: fn(&Cell) -> f64,
}

const METRICS: [Metric; 4] = [
    Metric {
        title: "throughput (wrk, closed loop) — higher is better",
        y_label: "requests/s",
        value: Cell::rps,
    },
    Metric {
        title: "TP99 at a fixed rate (loadgen) — lower is better",
        y_label: "TP99 latency (µs)",
        value: |c| c.latency().map_or(f64::NAN, |(_, l)| l.p99_us),
    },
    Metric {
        title: "TP999 at a fixed rate (loadgen) — lower is better",
        y_label: "TP999 latency (µs)",
        value: |c| c.latency().map_or(f64::NAN, |(_, l)| l.p999_us),
    },
    Metric {
        title: "server CPU per request (wrk rounds) — lower is better",
        y_label: "CPU µs per request",
        value: Cell::cpu_us,
    },
];

pub(crate) fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn short(v: f64) -> String {
    if v >= 10_000.0 {
        format!("{:.0}k", v / 1000.0)
    } else if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// One bar per cell; `x_desc` names what the bars are (servers, clients).
pub(crate) fn bar_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    metric: &Metric,
    cells: &[&Cell],
    x_desc: &str,
) -> Result<(), String> {
    let values: Vec<f64> = cells.iter().map(|c| (metric.value)(c)).collect();
    let top = values
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let top = if top > 0.0 { top * 1.18 } else { 1.0 };
    let names: Vec<String> = cells.iter().map(|c| c.server.clone()).collect();
    let mut chart = ChartBuilder::on(area)
        .caption(metric.title, ("sans-serif", 15))
        .margin(8)
        .x_label_area_size(34)
        .y_label_area_size(62)
        // A segmented `0..n` has n + 1 slots; `0..n - 1` has one per server.
        .build_cartesian_2d(
            (0..cells.len().saturating_sub(1).max(1)).into_segmented(),
            0.0..top,
        )
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(RGBColor(242, 242, 242))
        .x_desc(x_desc)
        .y_desc(metric.y_label)
        .x_labels(cells.len())
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => names.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .y_label_formatter(&|v| short(*v))
        .label_style(("sans-serif", 12))
        .axis_desc_style(("sans-serif", 13))
        .draw()
        .map_err(err)?;
    chart
        .draw_series(
            Histogram::vertical(&chart)
                .margin(12)
                .style_func(|x, _| {
                    let i = match x {
                        SegmentValue::Exact(i) | SegmentValue::CenterOf(i) => *i,
                        SegmentValue::Last => 0,
                    };
                    cells.get(i).map_or(PEER, |c| color_of(c)).filled()
                })
                .data(
                    values
                        .iter()
                        .enumerate()
                        .filter(|(_, v)| v.is_finite())
                        .map(|(i, v)| (i, *v)),
                ),
        )
        .map_err(err)?;
    // Value (or FAILED) above each bar; ours in bold.
    chart
        .draw_series(values.iter().enumerate().map(|(i, v)| {
            let (text, y) = if v.is_finite() {
                (short(*v), *v)
            } else if cells[i].failed.is_some() {
                ("FAILED".to_string(), 0.0)
            } else {
                ("n/a".to_string(), 0.0)
            };
            let style = if cells[i].ours {
                ("sans-serif", 12, FontStyle::Bold).into_font().color(&OURS)
            } else {
                ("sans-serif", 12).into_font().color(&BLACK)
            };
            Text::new(
                text,
                (SegmentValue::CenterOf(i), y + top * 0.02),
                style.pos(text_anchor::Pos::new(
                    text_anchor::HPos::Center,
                    text_anchor::VPos::Bottom,
                )),
            )
        }))
        .map_err(err)?;
    Ok(())
}

/// `<dir>/<scenario>.svg` with four bar panels. Returns the file name.
pub fn bars(dir: &Path, scenario: &str, title: &str, cells: &[&Cell]) -> Result<String, String> {
    let name = format!("{scenario}.svg");
    let path = dir.join(&name);
    let width = (360 + 110 * cells.len() as u32).max(900);
    let root = SVGBackend::new(&path, (width, 760)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let root = root
        .titled(
            &format!("{title} — hertz-rs in orange, peers in blue, raw epoll limit in grey"),
            ("sans-serif", 18),
        )
        .map_err(err)?;
    for (area, metric) in root.split_evenly((2, 2)).iter().zip(METRICS.iter()) {
        bar_panel(area, metric, cells, "server")?;
    }
    root.present().map_err(err)?;
    Ok(name)
}

/// `<dir>/echo.svg`: each metric as lines over the body size. `cells` are all echo cells;
/// `size_of` gives a cell's body size in KiB. Returns the file name.
pub fn echo_lines(
    dir: &Path,
    cells: &[&Cell],
    servers: &[(String, bool)],
    size_of: &dyn Fn(&Cell) -> Option<f64>,
) -> Result<String, String> {
    let name = "echo.svg".to_string();
    let path = dir.join(&name);
    let root = SVGBackend::new(&path, (1100, 800)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let root = root
        .titled(
            "echo: POST /echo over the body size — hertz-rs in orange (thick)",
            ("sans-serif", 18),
        )
        .map_err(err)?;
    for (panel, (area, metric)) in root
        .split_evenly((2, 2))
        .iter()
        .zip(METRICS.iter())
        .enumerate()
    {
        let lines: Vec<Line<'_>> = servers
            .iter()
            .map(|(server, ours)| {
                let mut points: Vec<(f64, f64)> = cells
                    .iter()
                    .filter(|c| &c.server == server)
                    .filter_map(|c| {
                        let v = (metric.value)(c);
                        Some((size_of(c)?, v)).filter(|_| v.is_finite())
                    })
                    .collect();
                points.sort_by(|a, b| a.0.total_cmp(&b.0));
                (server, *ours, points)
            })
            .collect();
        let top = lines
            .iter()
            .flat_map(|(_, _, p)| p.iter().map(|(_, y)| *y))
            .fold(0.0, f64::max);
        let top = if top > 0.0 { top * 1.15 } else { 1.0 };
        let mut chart = ChartBuilder::on(area)
            .caption(metric.title, ("sans-serif", 15))
            .margin(8)
            .x_label_area_size(34)
            .y_label_area_size(62)
            .build_cartesian_2d(
                (0.8f64..80.0)
                    .log_scale()
                    .with_key_points(vec![1.0, 4.0, 16.0, 64.0]),
                0.0..top,
            )
            .map_err(err)?;
        chart
            .configure_mesh()
            .light_line_style(RGBColor(242, 242, 242))
            .x_desc("request and response body (KiB, log scale)")
            .y_desc(metric.y_label)
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| short(*v))
            .label_style(("sans-serif", 12))
            .axis_desc_style(("sans-serif", 13))
            .draw()
            .map_err(err)?;
        let mut peer = 0;
        for (server, ours, points) in &lines {
            let color = if *ours {
                OURS
            } else if server.as_str() == "epoll" {
                LIMIT
            } else {
                peer += 1;
                PEER_LINES[(peer - 1) % PEER_LINES.len()]
            };
            let width = if *ours { 4 } else { 2 };
            chart
                .draw_series(LineSeries::new(
                    points.iter().copied(),
                    color.stroke_width(width),
                ))
                .map_err(err)?
                .label(server.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(width))
                });
            chart
                .draw_series(
                    points
                        .iter()
                        .map(|p| Circle::new(*p, if *ours { 5 } else { 3 }, color.filled())),
                )
                .map_err(err)?;
        }
        // One legend, in the throughput panel, where the lines fall away from it.
        if panel == 0 {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .label_font(("sans-serif", 12))
                .position(SeriesLabelPosition::LowerLeft)
                .draw()
                .map_err(err)?;
        }
    }
    root.present().map_err(err)?;
    Ok(name)
}
