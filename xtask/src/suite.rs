//! A test suite is a command whose output is shown as it comes and read for result lines, so
//! that `cargo xtask test` can close with one `N passed, N failed` line over every suite.

use std::{
    io::{BufRead, BufReader, Read},
    process::{Command, Stdio},
    sync::mpsc,
    thread,
};

use crate::process::describe;

/// Counts of one suite or of the whole run.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    pub passed: u64,
    pub failed: u64,
}

impl Tally {
    pub fn add(&mut self, other: Tally) {
        self.passed += other.passed;
        self.failed += other.failed;
    }
}

/// How a suite's output reports its results.
#[derive(Debug, Clone, Copy)]
pub enum Report {
    /// A check without test cases (fmt, clippy): one pass or one failure by exit status.
    ExitStatus,
    /// libtest and wasm-bindgen-test-runner: `test result: ok. 3 passed; 0 failed; …`.
    Libtest,
    /// `node --test --test-reporter=tap`: `# pass 3` and `# fail 0`.
    Tap,
}

/// Runs the suite, echoing its output, and counts its results. A suite that fails without a
/// failing test (it did not compile, it crashed) counts as one failure, so it cannot vanish.
pub fn run(name: &str, command: &mut Command, report: Report) -> Tally {
    println!("\n==> {name}: {}", describe(command));
    let (exit_ok, lines) = match spawn_and_echo(command) {
        Ok(result) => result,
        Err(e) => {
            println!("<== {name}: cannot start: {e}");
            return Tally {
                passed: 0,
                failed: 1,
            };
        }
    };
    let mut tally = match report {
        Report::ExitStatus => Tally {
            passed: u64::from(exit_ok),
            failed: u64::from(!exit_ok),
        },
        Report::Libtest => lines
            .iter()
            .filter_map(|l| libtest_line(l))
            .fold(Tally::default(), sum),
        Report::Tap => tap_lines(&lines),
    };
    if !exit_ok && tally.failed == 0 {
        tally.failed = 1;
    }
    let verdict = if tally.failed == 0 { "ok" } else { "FAILED" };
    println!(
        "<== {name}: {verdict} ({} passed, {} failed)",
        tally.passed, tally.failed
    );
    tally
}

fn sum(mut acc: Tally, t: Tally) -> Tally {
    acc.add(t);
    acc
}

fn spawn_and_echo(command: &mut Command) -> std::io::Result<(bool, Vec<String>)> {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let (tx, rx) = mpsc::channel();
    let readers: Vec<_> = [
        child.stdout.take().map(boxed),
        child.stderr.take().map(boxed),
    ]
    .into_iter()
    .flatten()
    .map(|pipe| {
        let tx = tx.clone();
        thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        })
    })
    .collect();
    drop(tx);
    let mut lines = Vec::new();
    for line in rx {
        println!("{line}");
        lines.push(line);
    }
    for reader in readers {
        let _ = reader.join();
    }
    Ok((child.wait()?.success(), lines))
}

fn boxed<R: Read + Send + 'static>(r: R) -> Box<dyn Read + Send> {
    Box::new(r)
}

fn libtest_line(line: &str) -> Option<Tally> {
    let rest = line.trim().strip_prefix("test result: ")?;
    Some(Tally {
        passed: count_before(rest, " passed")?,
        failed: count_before(rest, " failed")?,
    })
}

fn count_before(text: &str, label: &str) -> Option<u64> {
    let end = text.find(label)?;
    text[..end]
        .rsplit(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

fn tap_lines(lines: &[String]) -> Tally {
    let value = |prefix: &str| {
        lines
            .iter()
            .rev()
            .find_map(|l| l.trim().strip_prefix(prefix)?.trim().parse().ok())
            .unwrap_or(0)
    };
    Tally {
        passed: value("# pass "),
        failed: value("# fail "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libtest_result_lines_are_counted() {
        let t = libtest_line("test result: FAILED. 12 passed; 3 failed; 0 ignored; 0 measured")
            .expect("a result line");
        assert_eq!((t.passed, t.failed), (12, 3));
        assert!(libtest_line("running 3 tests").is_none());
    }

    #[test]
    fn tap_summary_is_counted() {
        let lines = ["# tests 5", "# pass 4", "# fail 1"].map(String::from);
        let t = tap_lines(&lines);
        assert_eq!((t.passed, t.failed), (4, 1));
    }
}
