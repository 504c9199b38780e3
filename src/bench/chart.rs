//! The two SVG charts of docs/performance.md, drawn with plotters: fanout
//! throughput against client count, and latency percentiles, natterd
//! beside the peers.

use std::error::Error;
use std::path::{Path, PathBuf};

use plotters::prelude::*;

use crate::report::{si, Report};

/// The colour of each peer, the same in both charts.
fn colour(peer: &str) -> RGBColor {
    match peer {
        "natterd" => RGBColor(0x1c, 0x71, 0xd8),
        "ngircd" => RGBColor(0xe6, 0x61, 0x00),
        _ => RGBColor(0x26, 0xa2, 0x69),
    }
}

/// Writes `bench-fanout.svg` and `bench-latency.svg` into `dir` for the
/// scenarios that ran, and returns their paths.
pub fn write_all(report: &Report, dir: &Path) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut written = Vec::new();
    if !report.fanout.is_empty() {
        let path = dir.join("bench-fanout.svg");
        fanout(report, &path).map_err(|e| format!("{}: {e}", path.display()))?;
        written.push(path);
    }
    if !report.latency.is_empty() {
        let path = dir.join("bench-latency.svg");
        latency(report, &path).map_err(|e| format!("{}: {e}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

/// Peer names in the order they were measured.
fn peers(report: &Report) -> Vec<String> {
    report.peers.iter().map(|p| p.name.clone()).collect()
}

fn fanout(report: &Report, path: &Path) -> Result<(), Box<dyn Error>> {
    let lines: Vec<(String, Vec<(f64, f64)>)> = peers(report)
        .into_iter()
        .map(|peer| {
            let points = report
                .fanout
                .iter()
                .flatten()
                .filter(|s| s.peer == peer && s.median.error.is_none() && s.median.lines_per_sec > 0.0)
                .map(|s| (s.median.clients as f64, s.median.lines_per_sec))
                .collect();
            (peer, points)
        })
        .collect();
    let all = lines.iter().flat_map(|(_, p)| p.iter());
    let (x_lo, x_hi, y_lo, y_hi) = bounds(all);
    let root = SVGBackend::new(path, (820, 500)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption("fanout: delivered lines per second", ("sans-serif", 22))
        .margin(18)
        .x_label_area_size(44)
        .y_label_area_size(76)
        .build_cartesian_2d((x_lo / 1.5..x_hi * 1.5).log_scale(), (y_lo / 2.0..y_hi * 2.0).log_scale())?;
    chart
        .configure_mesh()
        .x_desc("clients in the room (each sends its lines to all others)")
        .y_desc("delivered lines/s")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| si(*y))
        .draw()?;
    for (peer, points) in &lines {
        let c = colour(peer);
        chart
            .draw_series(LineSeries::new(points.clone(), c.stroke_width(2)))?
            .label(peer.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
        chart.draw_series(points.iter().map(|&p| Circle::new(p, 4, c.filled())))?;
    }
    chart.configure_series_labels().background_style(WHITE.mix(0.9)).border_style(BLACK).draw()?;
    root.present()?;
    Ok(())
}

const PERCENTILES: [&str; 4] = ["p50", "p99", "p99.9", "max"];

fn latency(report: &Report, path: &Path) -> Result<(), Box<dyn Error>> {
    let lines: Vec<(String, Vec<(f64, f64)>)> = peers(report)
        .into_iter()
        .filter_map(|peer| {
            let l = &report.latency.iter().find(|s| s.peer == peer && s.median.error.is_none())?.median;
            let values = [l.p50_ms, l.p99_ms, l.p999_ms, l.max_ms];
            let points = values.iter().enumerate().map(|(i, &v)| (i as f64, v.max(0.001))).collect();
            Some((peer, points))
        })
        .collect();
    let (_, _, y_lo, y_hi) = bounds(lines.iter().flat_map(|(_, p)| p.iter()));
    let caption = report.latency.first().map_or(String::new(), |s| {
        format!("latency: {} clients, {} lines/s in total", s.median.clients, s.median.rate)
    });
    let root = SVGBackend::new(path, (820, 500)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(caption, ("sans-serif", 22))
        .margin(18)
        .x_label_area_size(44)
        .y_label_area_size(76)
        .build_cartesian_2d(-0.25f64..3.25f64, (y_lo / 2.0..y_hi * 2.0).log_scale())?;
    chart
        .configure_mesh()
        .x_labels(4)
        .x_desc("percentile of one-way delivery time")
        .y_desc("milliseconds")
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && (0.0..4.0).contains(&i) {
                PERCENTILES[i as usize].to_string()
            } else {
                String::new()
            }
        })
        .y_label_formatter(&|y| format!("{y}"))
        .draw()?;
    for (peer, points) in &lines {
        let c = colour(peer);
        chart
            .draw_series(LineSeries::new(points.clone(), c.stroke_width(2)))?
            .label(peer.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
        chart.draw_series(points.iter().map(|&p| Circle::new(p, 4, c.filled())))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

/// (x min, x max, y min, y max) of the points, with sane fallbacks.
fn bounds<'a>(points: impl Iterator<Item = &'a (f64, f64)>) -> (f64, f64, f64, f64) {
    let mut b = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in points {
        b = (b.0.min(x), b.1.max(x), b.2.min(y), b.3.max(y));
    }
    if b.0 > b.1 {
        return (1.0, 10.0, 1.0, 10.0);
    }
    b
}
