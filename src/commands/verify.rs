//! `kubeattest verify DIR [--key PUB]` and `kubeattest keygen --out KEY`.

use std::path::Path;

use crate::cli::{EXIT_GATE, EXIT_OK};
use crate::signature;
use crate::verify;

/// Checks a report folder; prints each problem naming its file. Exit 0 intact, 1 not.
pub fn verify(dir: &Path, key: Option<&Path>) -> anyhow::Result<u8> {
    let key = key.map(signature::read_verifying_key).transpose()?;
    let outcome = verify::verify(dir, key.as_ref());
    for p in &outcome.problems {
        println!("FAILED {p}");
    }
    if outcome.problems.is_empty() {
        for name in &outcome.intact {
            println!("ok     {name}");
        }
        match &outcome.signed_by {
            Some(id) if key.is_some() => {
                println!("signature: valid, made with the given key {id}")
            }
            Some(id) => println!(
                "signature: valid, made with key {id} (named in MANIFEST.sig; pass --key to check whose key it is)"
            ),
            None => println!("signature: none (the folder is not signed; scan with --sign KEY)"),
        }
        println!("{}: intact", dir.display());
        Ok(EXIT_OK)
    } else {
        println!(
            "{}: NOT intact ({} problem{})",
            dir.display(),
            outcome.problems.len(),
            if outcome.problems.len() == 1 { "" } else { "s" }
        );
        Ok(EXIT_GATE)
    }
}

/// Writes a new Ed25519 key pair.
pub fn keygen(out: &Path) -> anyhow::Result<u8> {
    let (public, id) = signature::keygen(out)?;
    println!(
        "private key: {} (keep it secret; pass it to `scan --sign`)",
        out.display()
    );
    println!(
        "public key:  {} (give it to whoever runs `kubeattest verify --key`)",
        public.display()
    );
    println!("key id:      {id}");
    Ok(EXIT_OK)
}
