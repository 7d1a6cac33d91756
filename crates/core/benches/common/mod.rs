//! What the core's benchmarks share: their command line and how they report latencies.

/// The arguments after the program's name, or `None` (and a line saying how to run it) when
/// cargo did not start the program as a benchmark: `cargo test --all-targets` runs every bench
/// target too, and a measurement is not a test.
pub fn bench_args(name: &str) -> Option<Vec<String>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--bench") {
        Some(args)
    } else {
        println!("{name}: a benchmark; run it with `cargo bench -p callpop-core --bench {name}`");
        None
    }
}

/// The number after `--name` on the command line.
pub fn value_of(args: &[String], name: &str) -> Option<usize> {
    let at = args.iter().position(|a| a == name)?;
    args.get(at + 1)?.parse().ok()
}

/// `n`, p50, p99 and max of `latencies` (sorted here), in `unit`.
pub fn summary(latencies: &mut [f64], unit: &str) -> String {
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
    format!(
        "n={:<6} p50={:.2} {unit}  p99={:.2} {unit}  max={:.2} {unit}",
        latencies.len(),
        at(0.5),
        at(0.99),
        latencies[latencies.len() - 1]
    )
}
