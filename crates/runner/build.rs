//! Build script: records a build id (`git describe` of the source tree, when there is one,
//! plus the target triple and profile) as `POLARITY_BUILD`, for `manifest.json` and for
//! checking later that shards of one study came from the same build.
//!
//! It never fails the build: without git or a repository the id is `unknown`.

use std::path::Path;
use std::process::Command;

fn main() {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let describe = Command::new("git")
        .args(["describe", "--always", "--dirty", "--tags"])
        .current_dir(&manifest_dir)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into());
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown-target".into());
    let profile = std::env::var("PROFILE").unwrap_or_else(|_| "unknown-profile".into());
    println!("cargo:rustc-env=POLARITY_BUILD={describe} {target} {profile}");

    // Re-run when the checked-out commit changes; only name files that exist (a missing
    // file would make cargo re-run this script on every build).
    println!("cargo:rerun-if-changed=build.rs");
    let git = Path::new(&manifest_dir).join("../../.git");
    for file in ["HEAD", "index"] {
        let path = git.join(file);
        if path.exists() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
}
