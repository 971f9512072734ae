//! ONNX Runtime for the local neural engines (Piper, Kokoro): `libonnxruntime.so` is loaded
//! at run time, once per process — the profile's `onnxruntime`, else `ORT_DYLIB_PATH`, else
//! the one inside the `onnxruntime` wheel that Python imports — and each model gets its own
//! session.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ort::session::Session;

/// What to do when ONNX Runtime is not found.
pub const RUNTIME_HINT: &str = "ONNX Runtime not found: `pip install onnxruntime`, or set ORT_DYLIB_PATH (or the profile's onnxruntime) to its libonnxruntime.so";

/// ONNX Runtime is loaded once per process; each model gets its own session.
pub fn load_session(model: &Path, configured: Option<&Path>) -> Result<Session, String> {
    static RUNTIME: OnceLock<std::result::Result<ort::environment::Environment, String>> =
        OnceLock::new();
    let environment = RUNTIME.get_or_init(|| {
        let library = runtime_library(configured).ok_or(RUNTIME_HINT.to_string())?;
        ort::init_from(&library)
            .map_err(|e| format!("cannot load {}: {e}", library.display()))?
            .with_name("audition")
            .build()
            .map_err(|e| format!("cannot start ONNX Runtime: {e}"))
    });
    let environment = environment.as_ref().map_err(|m| m.clone())?;
    Session::builder(environment)
        .and_then(|mut b| b.commit_from_file(model))
        .map_err(|e| format!("cannot load the voice model {}: {e}", model.display()))
}

/// Where `libonnxruntime.so` is: the profile's path, `ORT_DYLIB_PATH`, or inside the
/// `onnxruntime` package Python imports.
pub fn runtime_library(configured: Option<&Path>) -> Option<PathBuf> {
    if let Some(path) = configured {
        return Some(path.to_path_buf());
    }
    if let Some(path) = std::env::var_os("ORT_DYLIB_PATH") {
        return Some(PathBuf::from(path));
    }
    let output = std::process::Command::new("python3")
        .args([
            "-c",
            "import onnxruntime, os; print(os.path.join(os.path.dirname(onnxruntime.__file__), 'capi'))",
        ])
        .output()
        .ok()?;
    let dir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    let mut libraries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("libonnxruntime.so"))
        })
        .collect();
    libraries.sort();
    libraries.pop()
}
