//! `kubeattest catalog validate DIR`: every problem of a catalog folder, with file:line.

use crate::catalog;
use crate::cli::{EXIT_OK, EXIT_USAGE};

/// Validates a catalog folder overlaid on the built-in one.
pub fn validate(dir: &std::path::Path) -> anyhow::Result<u8> {
    let result = catalog::read_dir(dir).and_then(|files| {
        warn_unread(dir, files.keys());
        let mut all = catalog::embedded_files();
        all.extend(files);
        catalog::from_files(&all)
    });
    match result {
        Ok(c) => {
            for check in c.unused_checks() {
                eprintln!(
                    "{}:{}: warning: check `{}` is used by no framework item, so no scan runs it; map it in a framework or remove it",
                    check.file, check.line, check.id
                );
            }
            let items: usize = c.frameworks.iter().map(|f| f.items.len()).sum();
            println!(
                "{}: ok — {} checks, {} frameworks, {} items",
                dir.display(),
                c.checks.len(),
                c.frameworks.len(),
                items
            );
            Ok(EXIT_OK)
        }
        Err(errors) => {
            for e in &errors.0 {
                eprintln!("{}", crate::quote::bounded(&e.to_string(), 1_000));
            }
            eprintln!("{}: {} problem(s)", dir.display(), errors.0.len());
            Ok(EXIT_USAGE)
        }
    }
}

/// Warns about YAML files of an overlay folder that no catalog part reads (a check file in
/// `check/` instead of `checks/`): silently left out, the check would never run.
pub fn warn_unread<'a>(dir: &std::path::Path, names: impl IntoIterator<Item = &'a String>) {
    for name in names.into_iter().filter(|n| !catalog::is_read(n)) {
        eprintln!(
            "{}/{name}: warning: not read: checks go in checks/, frameworks in frameworks/, settings in components.yaml, rbac.yaml or credentials.yaml",
            dir.display()
        );
    }
}
