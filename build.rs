//! Embeds the catalog (`controls/`) and the demo cluster (`src/collect/demo/`) in the binary,
//! so `kubeattest` runs from any directory without its source tree.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn collect(root: &Path, dir: &Path, exts: &[&str], out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, exts, out);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| exts.contains(&e))
        {
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, path.canonicalize().unwrap_or(path.clone())));
        }
    }
}

fn table(name: &str, files: &[(String, PathBuf)]) -> String {
    let mut s = format!("/// Embedded files: (path relative to its folder, contents).\npub static {name}: &[(&str, &str)] = &[\n");
    for (rel, abs) in files {
        let _ = writeln!(
            s,
            "    ({rel:?}, include_str!({:?})),",
            abs.to_string_lossy()
        );
    }
    s.push_str("];\n");
    s
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default());
    let mut code = String::new();
    for (name, dir, exts) in [
        (
            "CATALOG_FILES",
            manifest.join("controls"),
            &["yaml", "yml"][..],
        ),
        (
            "DEMO_FILES",
            manifest.join("src/collect/demo"),
            &["yaml", "yml", "json"][..],
        ),
    ] {
        let mut files = Vec::new();
        collect(&dir, &dir, exts, &mut files);
        files.sort();
        code.push_str(&table(name, &files));
        println!("cargo:rerun-if-changed={}", dir.display());
    }
    let _ = std::fs::write(out.join("embedded.rs"), code);
}
