//! Helpers: run the binary in a temporary folder and read what it wrote.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A test's own temporary folder.
pub struct Sandbox {
    dir: tempfile::TempDir,
}

/// What a finished command left behind.
pub struct Outcome {
    /// Exit code.
    pub code: i32,
    /// Stdout as text.
    pub stdout: String,
    /// Stderr as text.
    pub stderr: String,
}

impl Outcome {
    fn from(o: Output) -> Self {
        Outcome {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }

    /// Asserts exit code 0 and returns self.
    #[track_caller]
    pub fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Asserts the exit code and returns self.
    #[track_caller]
    pub fn code(self, code: i32) -> Self {
        assert_eq!(
            self.code, code,
            "unexpected exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

impl Sandbox {
    /// A new empty folder.
    pub fn new() -> Self {
        Sandbox {
            dir: tempfile::tempdir().expect("temporary folder"),
        }
    }

    /// A path inside the folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The binary, with the folder as working directory.
    pub fn command(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_polarity"));
        c.current_dir(self.dir.path());
        c
    }

    /// Runs `polarity ARGS…` to completion.
    pub fn run(&self, args: &[&str]) -> Outcome {
        Outcome::from(self.command().args(args).output().expect("run polarity"))
    }

    /// Writes a file into the folder and returns its path as a string.
    pub fn write(&self, name: &str, contents: &str) -> String {
        let p = self.path(name);
        std::fs::write(&p, contents).expect("write file");
        p.to_string_lossy().into_owned()
    }

    /// Reads a file inside the folder.
    pub fn read(&self, name: &str) -> String {
        read(&self.path(name))
    }

    /// Reads a file inside the folder as JSON.
    pub fn json(&self, name: &str) -> serde_json::Value {
        serde_json::from_str(&self.read(name)).expect("valid JSON")
    }
}

/// Reads a file, naming it on failure.
pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The embedded scenario the tests run: small and fast.
pub const TINY: &str = "tiny";

/// The `tiny` scenario's source with the first `field: value` replaced by `field: new`.
pub fn tiny_with(sandbox: &Sandbox, field: &str, new: &str) -> String {
    let source = sandbox.run(&["show", TINY]).ok().stdout;
    let key = format!("{field}:");
    let start = source
        .find(&key)
        .unwrap_or_else(|| panic!("tiny has no field {field}"));
    let value_start = start + key.len();
    let value_end = value_start
        + source[value_start..]
            .find([',', '\n'])
            .expect("end of value");
    format!("{} {new}{}", &source[..value_start], &source[value_end..])
}

/// Runs `polarity ARGS…` in `s` under `ulimit -f BLOCKS` (512-byte blocks) with SIGXFSZ
/// ignored, so that a write past the limit fails with EFBIG like a full disk (and with
/// `RUST_BACKTRACE=1`, so that a panic would show).
#[cfg(unix)]
pub fn run_with_file_size_limit(s: &Sandbox, blocks: u64, args: &[&str]) -> Outcome {
    let script = format!("trap '' XFSZ; ulimit -f {blocks} && exec \"$0\" \"$@\"");
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_polarity"))
        .args(args)
        .current_dir(s.path(""))
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("run sh");
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
