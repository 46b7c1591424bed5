//! Bakes the libtorch library directory into the binaries' run path, so that they start without
//! LD_LIBRARY_PATH. torch-sys finds libtorch through the Python on PATH (LIBTORCH_USE_PYTORCH=1,
//! set by the Makefile) or through LIBTORCH; we ask the same places.
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    println!("cargo:rerun-if-env-changed=LIBTORCH_USE_PYTORCH");
    println!("cargo:rerun-if-env-changed=PATH");
    let lib = if let Ok(l) = std::env::var("LIBTORCH") {
        Some(PathBuf::from(l).join("lib"))
    } else {
        std::process::Command::new("python3")
            .args(["-c", "import torch, os; print(os.path.join(os.path.dirname(torch.__file__), 'lib'))"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
    };
    if let Some(lib) = lib {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
        // The linker drops libtorch_cuda (no symbol of it is referenced), and without it libtorch
        // sees no GPU: keep it whenever the wheel ships it.
        let cuda = lib.join("libtorch_cuda.so");
        if cuda.exists() {
            println!("cargo:rustc-link-arg=-Wl,--no-as-needed,{},--as-needed", cuda.display());
        }
        println!("cargo:rustc-env=HICLSTM_LIBTORCH_LIB={}", lib.display());
    }
}
