//! The committed header is what cbindgen makes of the source, and it
//! compiles as strict C99 and as C++.

use std::path::{Path, PathBuf};
use std::process::Command;

fn committed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("include/gradient.h")
}

#[test]
fn committed_header_matches_the_source() {
    let generated = include_str!(concat!(env!("OUT_DIR"), "/gradient.h"));
    let committed = std::fs::read_to_string(committed()).expect("include/gradient.h");
    assert!(
        generated == committed,
        "include/gradient.h has drifted from src/ffi: regenerate it with `GRADIENT_BLESS_HEADER=1 cargo build` and commit it"
    );
}

fn compiler(cpp: bool) -> Command {
    let target = std::env::consts::ARCH.to_string() + "-unknown-linux-gnu";
    cc::Build::new()
        .cpp(cpp)
        .target(&target)
        .host(&target)
        .opt_level(0)
        .cargo_metadata(false)
        .get_compiler()
        .to_command()
}

fn compiles(cpp: bool, std: &str) {
    let dir = std::env::temp_dir().join(format!("gradient-header-{}-{std}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join(if cpp { "use.cpp" } else { "use.c" });
    std::fs::write(
        &src,
        "#include \"gradient.h\"\n\
         int main(void) {\n\
           double f[3] = {1, 2, 4}, g[3];\n\
           double *out[1] = {g};\n\
           size_t shape[1] = {3};\n\
           GradientError e;\n\
           GradientStatus s = gradient_f64(f, 1, shape, 0, 0, 1, 1, out, 0, &e);\n\
           return s == GRADIENT_OK && GRADIENT_VERSION_MAJOR >= 0 ? 0 : 1;\n\
         }\n",
    )
    .unwrap();
    let output = compiler(cpp)
        .args([&format!("-std={std}"), "-Wall", "-Wextra", "-Werror", "-pedantic", "-fsyntax-only", "-I"])
        .arg(committed().parent().unwrap())
        .arg(&src)
        .output()
        .expect("run the C compiler");
    assert!(output.status.success(), "{std}: {}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn header_compiles_as_c99() {
    compiles(false, "c99");
}

#[test]
fn header_compiles_as_cpp11() {
    compiles(true, "c++11");
}
