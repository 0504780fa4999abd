//! Batch signing: the documents of one `kyso sign` run, signed one after
//! the other with the key opened once (one PIN entry, one token session),
//! with a progress bar on stderr when it is a terminal. A document that
//! fails is reported and the others go on; the run then fails.
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Most documents one run signs (a directory of more is refused).
const MAX_DOCUMENTS: usize = 100_000;

/// (input, output) pairs from the command line: one input with `-o`, or
/// any number of files and directories (their `*.pdf`, not recursive)
/// with `--out-dir`.
pub fn jobs(
    inputs: &[PathBuf],
    output: Option<&Path>,
    out_dir: Option<&Path>,
) -> Result<Vec<(PathBuf, PathBuf)>> {
    let mut files = Vec::new();
    for i in inputs {
        let meta = std::fs::metadata(i)
            .with_context(|| format!("không đọc được / cannot read {}", i.display()))?;
        if meta.is_dir() {
            let mut in_dir: Vec<PathBuf> = std::fs::read_dir(i)
                .with_context(|| format!("không đọc được / cannot read {}", i.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.is_file() && p.extension().is_some_and(|x| x.eq_ignore_ascii_case("pdf"))
                })
                .collect();
            in_dir.sort();
            if in_dir.is_empty() {
                bail!(
                    "thư mục không có tệp PDF / no *.pdf in the directory {}",
                    i.display()
                );
            }
            files.extend(in_dir);
        } else {
            files.push(i.clone());
        }
        if files.len() > MAX_DOCUMENTS {
            bail!("quá nhiều tệp / more than {MAX_DOCUMENTS} documents in one run");
        }
    }
    let single_file = inputs.len() == 1 && files.len() == 1 && !inputs[0].is_dir();
    match (output, out_dir) {
        (Some(o), None) if single_file => Ok(vec![(files.remove(0), o.to_path_buf())]),
        (Some(_), _) => bail!(
            "nhiều tài liệu cần --out-dir DIR thay cho -o / several documents need --out-dir DIR instead of -o"
        ),
        (None, None) => bail!("cần -o OUT.pdf hoặc --out-dir DIR / give -o OUT.pdf or --out-dir DIR"),
        (None, Some(dir)) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("không tạo được / cannot create {}", dir.display()))?;
            let mut seen = std::collections::HashSet::new();
            let mut out = Vec::new();
            for f in files {
                let name = f
                    .file_name()
                    .with_context(|| format!("không phải tệp / not a file: {}", f.display()))?;
                let target = dir.join(name);
                if !seen.insert(target.clone()) {
                    bail!(
                        "hai tệp cùng tên {} / two inputs would both be written to {}",
                        name.to_string_lossy(),
                        target.display()
                    );
                }
                if same_file(&f, &target) {
                    bail!(
                        "--out-dir ghi đè tệp gốc / --out-dir would overwrite the input {}",
                        f.display()
                    );
                }
                out.push((f, target));
            }
            Ok(out)
        }
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// Sign every job with `sign_one`; print one line per document (through
/// the progress bar when there is one) and a summary. Fails when any
/// document failed.
pub fn run(
    jobs: &[(PathBuf, PathBuf)],
    what: &str,
    sign_one: impl Fn(&Path, &Path) -> Result<PathBuf>,
) -> Result<()> {
    let bar = if jobs.len() > 1 && std::io::stderr().is_terminal() {
        let b =
            ProgressBar::with_draw_target(Some(jobs.len() as u64), ProgressDrawTarget::stderr());
        b.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} {elapsed_precise} {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    } else {
        ProgressBar::hidden()
    };
    let say = |line: String| {
        if bar.is_hidden() {
            eprintln!("{line}");
        } else {
            bar.println(line);
        }
    };
    let start = Instant::now();
    let mut failed = 0usize;
    for (input, output) in jobs {
        bar.set_message(input.display().to_string());
        match sign_one(input, output) {
            Ok(out) => say(format!("Đã ký / signed: {} ({what})", out.display())),
            Err(e) => {
                failed += 1;
                say(format!(
                    "lỗi / error: {} — không ký được / not signed: {e:#}",
                    input.display()
                ));
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    if jobs.len() > 1 {
        eprintln!(
            "{} / {} tài liệu đã ký / documents signed in {:.1} s",
            jobs.len() - failed,
            jobs.len(),
            start.elapsed().as_secs_f64()
        );
    }
    if failed > 0 {
        bail!(
            "{failed} tài liệu không ký được / {failed} of {} documents were not signed",
            jobs.len()
        );
    }
    Ok(())
}
