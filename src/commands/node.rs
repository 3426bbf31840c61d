//! `kubeattest node`: collect this node's facts (once, or every N seconds as the node agent).

use std::io::Write as _;

use anyhow::{bail, Context as _};

use crate::cli::{NodeArgs, EXIT_OK};
use crate::collect;

/// Collects node facts and writes them.
pub fn node(args: NodeArgs) -> anyhow::Result<u8> {
    if !args.root.is_dir() {
        bail!(
            "--root {} is not a directory; give the node's root filesystem (e.g. the host mounted at /host)",
            args.root.display()
        );
    }
    let proc_dir = args.proc_dir.unwrap_or_else(|| args.root.join("proc"));
    // The catalog says which configuration files to read, and which settings in them.
    let components = crate::catalog::embedded_components()
        .map_err(|e| anyhow::anyhow!("the built-in catalog does not load: {e}"))?;
    let opts = collect::node::Options {
        root: args.root,
        proc_dir,
        node_name: args.node_name,
        components,
    };
    if let Some(secs) = args.every {
        loop {
            let facts = collect::node::collect(&opts);
            for e in &facts.errors {
                eprintln!("kubeattest: warning: {e}");
            }
            let mut out = std::io::stdout().lock();
            writeln!(out, "{}", serde_json::to_string(&facts)?)?;
            out.flush()?;
            drop(out);
            std::thread::sleep(std::time::Duration::from_secs(secs.max(1)));
        }
    }
    let facts = collect::node::collect(&opts);
    for e in &facts.errors {
        eprintln!("kubeattest: warning: {e}");
    }
    let mut bytes = if args.compact {
        serde_json::to_vec(&facts)?
    } else {
        serde_json::to_vec_pretty(&facts)?
    };
    bytes.push(b'\n');
    match &args.out {
        Some(path) => crate::bundle::write_atomic(path, &bytes)
            .with_context(|| format!("cannot write node facts to {}", path.display()))?,
        None => std::io::stdout().lock().write_all(&bytes)?,
    }
    Ok(EXIT_OK)
}
