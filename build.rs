//! Generates the C header with cbindgen, offline (`Builder::with_src` needs no
//! `cargo metadata`), into `$OUT_DIR/gradient.h`. The committed copy in
//! `include/` is refreshed only on request (`GRADIENT_BLESS_HEADER=1`), so
//! that the drift test can tell when the two disagree.

use std::env;
use std::fs;
use std::path::PathBuf;

const FFI_SOURCES: &[&str] = &["src/ffi/mod.rs", "src/ffi/types.rs"];

fn main() {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    for src in FFI_SOURCES {
        println!("cargo:rerun-if-changed={src}");
    }
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=GRADIENT_BLESS_HEADER");

    let major = env::var("CARGO_PKG_VERSION_MAJOR").unwrap();
    let minor = env::var("CARGO_PKG_VERSION_MINOR").unwrap();
    let patch = env::var("CARGO_PKG_VERSION_PATCH").unwrap();
    let mut config = cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml");
    config.after_includes = Some(format!(
        "\n#define GRADIENT_VERSION_MAJOR {major}\n#define GRADIENT_VERSION_MINOR {minor}\n\
         #define GRADIENT_VERSION_PATCH {patch}\n#define GRADIENT_VERSION_STRING \"{major}.{minor}.{patch}\"\n"
    ));

    let mut builder = cbindgen::Builder::new().with_config(config);
    for src in FFI_SOURCES {
        builder = builder.with_src(root.join(src));
    }
    let generated = out_dir.join("gradient.h");
    builder.generate().expect("cbindgen could not generate the header").write_to_file(&generated);

    if env::var_os("GRADIENT_BLESS_HEADER").is_some_and(|v| v == "1") {
        fs::copy(&generated, root.join("include/gradient.h")).expect("write include/gradient.h");
    }

    if env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        // A SONAME, so that programs record the ABI version they linked against.
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libgradient.so.{major}");
    }
}
