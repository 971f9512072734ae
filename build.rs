//! Build script: finds the SVOX Pico lingware that the `ttspico-sys` crate ships in its
//! sources (`build/pico/lang/*_ta.bin` and `*_sg.bin`), so that `src/synth/pico.rs` can embed
//! it in the binary. `ttspico-sys` declares `links = "svoxpico"` but exports no path, so the
//! sources are looked for where Cargo unpacks them: `AUDITION_PICO_LANG` if set, then a
//! vendored copy (`vendor/ttspico-sys`), then every registry under `$CARGO_HOME/registry/src`,
//! at the version `Cargo.lock` names.

use std::path::{Path, PathBuf};

const FILES: [&str; 12] = [
    "fr-FR_ta.bin",
    "fr-FR_nk0_sg.bin",
    "en-US_ta.bin",
    "en-US_lh0_sg.bin",
    "en-GB_ta.bin",
    "en-GB_kh0_sg.bin",
    "de-DE_ta.bin",
    "de-DE_gl0_sg.bin",
    "es-ES_ta.bin",
    "es-ES_zl0_sg.bin",
    "it-IT_ta.bin",
    "it-IT_cm0_sg.bin",
];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=Cargo.lock");
    println!("cargo:rerun-if-env-changed=AUDITION_PICO_LANG");
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let version = locked_version(&manifest, "ttspico-sys").unwrap_or_else(|| "0.1.5".into());
    let found = candidates(&manifest, &version)
        .into_iter()
        .find(|dir| FILES.iter().all(|f| dir.join(f).is_file()));
    let Some(dir) = found else {
        panic!(
            "the SVOX Pico lingware of ttspico-sys {version} was not found; set AUDITION_PICO_LANG to the folder holding {}",
            FILES.join(", ")
        );
    };
    println!("cargo:rustc-env=AUDITION_PICO_LANG={}", dir.display());
}

/// Folders that may hold the lingware, most specific first.
fn candidates(manifest: &Path, version: &str) -> Vec<PathBuf> {
    let tail = Path::new("build").join("pico").join("lang");
    let mut dirs = Vec::new();
    if let Some(dir) = std::env::var_os("AUDITION_PICO_LANG") {
        dirs.push(PathBuf::from(dir));
    }
    dirs.push(manifest.join("vendor").join("ttspico-sys").join(&tail));
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    if let Some(registries) = cargo_home.map(|h| h.join("registry").join("src")) {
        if let Ok(entries) = std::fs::read_dir(registries) {
            for entry in entries.flatten() {
                dirs.push(
                    entry
                        .path()
                        .join(format!("ttspico-sys-{version}"))
                        .join(&tail),
                );
            }
        }
    }
    dirs
}

/// The version of `package` that `Cargo.lock` pins.
fn locked_version(manifest: &Path, package: &str) -> Option<String> {
    let lock = std::fs::read_to_string(manifest.join("Cargo.lock")).ok()?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == format!("name = \"{package}\"") {
            let version = lines.next()?.trim().strip_prefix("version = \"")?;
            return Some(version.trim_end_matches('"').to_string());
        }
    }
    None
}
