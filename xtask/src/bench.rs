//! `cargo xtask bench`: the project's benchmark figures, printed as a table and written as JSON
//! under `target/bench/`. Figures are sizes and side-by-side pairs from one run, never
//! absolute timings compared across runs (the machines are shared and noisy).
//!
//! Built so far: the SDK's transfer size. The server benchmarks (event ingest beside a bare
//! endpoint and pgbench, event-to-contact latency, throughput across accounts, memory) are not
//! built yet; the command says so rather than printing numbers it did not measure.

use std::{fs, io::Write, path::Path};

use flate2::{Compression, write::GzEncoder};

use crate::{build, project};

/// Paragon's `@useparagon/connect` 2.4.0: gzip -9 of `dist/src/index.js`, the bundle a page
/// loads (measured in the project's reference notes on Paragon's SDK).
const PARAGON_GZIP_BYTES: u64 = 53_275;
/// The budget of the SDK issue.
const BUDGET_GZIP_BYTES: u64 = 25 * 1024;

pub fn run() -> Result<(), String> {
    build::sdk()?;
    let pkg = project::pkg_dir();
    // What a page loads: the entry at import, the glue and the wasm on the first call that
    // needs them.
    let files = ["index.js", "paragon_connect.js", "paragon_connect_bg.wasm"];
    let mut rows = Vec::new();
    for file in files {
        let bytes = fs::read(pkg.join(file)).map_err(|e| format!("pkg/{file}: {e}"))?;
        rows.push((file, bytes.len() as u64, gzip9(&bytes)?));
    }
    let total_raw: u64 = rows.iter().map(|r| r.1).sum();
    let total_gzip: u64 = rows.iter().map(|r| r.2).sum();

    println!("\nSDK transfer size (gzip -9)");
    println!("{:<26} {:>10} {:>10}", "file", "bytes", "gzip -9");
    for (file, raw, gz) in &rows {
        println!("{file:<26} {raw:>10} {gz:>10}");
    }
    println!(
        "{:<26} {total_raw:>10} {total_gzip:>10}",
        "total (paragon-connect)"
    );
    println!(
        "{:<26} {:>10} {PARAGON_GZIP_BYTES:>10}",
        "Paragon SDK 2.4.0", 193_951
    );
    println!(
        "ratio to Paragon: {:.2}; budget {} KB: {}",
        total_gzip as f64 / PARAGON_GZIP_BYTES as f64,
        BUDGET_GZIP_BYTES / 1024,
        if total_gzip <= BUDGET_GZIP_BYTES {
            "within"
        } else {
            "OVER"
        }
    );
    println!(
        "\nnot built yet: event ingest, event-to-contact latency, run throughput, server memory"
    );

    let files_json: Vec<_> = rows
        .iter()
        .map(|(file, raw, gz)| serde_json::json!({ "file": file, "bytes": raw, "gzip9": gz }))
        .collect();
    let report = serde_json::json!({
        "sdkSize": { "files": files_json, "totalGzip9": total_gzip, "paragonGzip9": PARAGON_GZIP_BYTES, "budgetGzip9": BUDGET_GZIP_BYTES },
        "notBuilt": ["eventIngest", "eventToContact", "runThroughput", "serverMemory"],
    });
    write_report(&project::root().join("target/bench/sdk-size.json"), &report)
}

fn gzip9(bytes: &[u8]) -> Result<u64, String> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(bytes).map_err(|e| e.to_string())?;
    Ok(encoder.finish().map_err(|e| e.to_string())?.len() as u64)
}

fn write_report(path: &Path, report: &serde_json::Value) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let text = serde_json::to_string_pretty(report).map_err(|e| e.to_string())?;
    fs::write(path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}
