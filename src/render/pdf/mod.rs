//! `report.pdf`: the audit document, laid out by our own small engine ([`layout`]) over
//! printpdf, with an embedded pre-subset Unicode font ([`fonts`]).
//!
//! Order: cover, table of contents (page numbers and links), executive summary with bar
//! charts, one chapter per framework (section chart, worst items, every item with a status
//! badge), findings with evidence and remediation (compact per-check subject tables when a
//! check has many), manual items, passed checks, appendix (scope, coverage, SHA-256 of the
//! other bundle files), and last the sign-off page. Every page but the cover carries the cluster name, "page X of Y" and
//! the generation time (the run's end, so re-rendering `report.json` gives the same text).

mod appendix;
mod cover;
mod exposure;
mod findings;
pub mod fonts;
pub mod layout;
mod owners;
mod register;
mod signoff;
mod summary;

use printpdf::{PdfDocument, PdfPage, PdfSaveOptions};

use crate::render::view::View;
use crate::render::RenderError;
use crate::results::Report;
use fonts::Fonts;
use layout::Layout;

/// Renders the report as PDF; `bundle` holds the other files of the folder (name, bytes),
/// whose sizes and SHA-256 the appendix lists.
pub fn render(
    report: &Report,
    bundle: &[crate::manifest::ManifestEntry],
) -> Result<Vec<u8>, RenderError> {
    let view = View::new(report).with_bundle(bundle);
    let mut doc = PdfDocument::new(&view.title);
    let fonts = Fonts::load(&mut doc)?;
    let mut l = Layout::new(&fonts);

    // Table of contents entries: (level, title, anchor).
    let mut toc: Vec<(u8, String, String)> =
        vec![(1, "Executive summary".into(), "summary".into())];
    for fw in &view.frameworks {
        toc.push((
            1,
            format!("{} {}", fw.title, fw.version),
            format!("fw-{}", fw.id),
        ));
    }
    if view.groups.present {
        toc.push((
            1,
            "Results by owner, namespace and node".into(),
            "owners".into(),
        ));
    }
    toc.push((
        1,
        "Findings with evidence and remediation".into(),
        "findings".into(),
    ));
    for c in &view.problems {
        toc.push((
            2,
            format!("{} ({})", c.title, c.id),
            format!("check-{}", c.id),
        ));
    }
    if view.exposure.is_some() {
        toc.push((1, "Exposure".into(), "exposure".into()));
    }
    toc.push((
        1,
        "Exceptions register and attestations".into(),
        "exceptions".into(),
    ));
    toc.push((1, "Manual items".into(), "manual".into()));
    toc.push((1, "Passed checks".into(), "passed".into()));
    toc.push((
        1,
        "Appendix: scope, coverage and bundle hashes".into(),
        "appendix".into(),
    ));
    toc.push((1, "Sign-off".into(), "sign-off".into()));
    let toc_pages = cover::toc_pages(&toc);

    // The cover (one page, or more when its facts do not fit), then empty pages for the
    // contents, filled once every chapter's page is known.
    cover::cover(&mut l, &view);
    let toc_first = l.pages.len();
    for _ in &toc_pages {
        l.new_page();
    }
    summary::summary(&mut l, &view);
    for fw in &view.frameworks {
        summary::framework(&mut l, fw, &view);
    }
    owners::owners(&mut l, &view);
    findings::findings(&mut l, &view);
    exposure::exposure(&mut l, &view);
    register::register(&mut l, &view);
    register::attestations(&mut l, &view);
    findings::manual(&mut l, &view);
    findings::passed(&mut l, &view);
    appendix::appendix(&mut l, &view, bundle);
    signoff::sign_off(&mut l, &view);
    cover::table_of_contents(&mut l, &toc, &toc_pages, toc_first);
    cover::header_footer(&mut l, &view);
    l.link_ops();

    for (_, title, anchor) in toc.iter().filter(|(lvl, _, _)| *lvl == 1) {
        if let Some((page, _)) = l.anchors.get(anchor) {
            doc.add_bookmark(title, page + 1);
        }
    }
    let pages = std::mem::take(&mut l.pages)
        .into_iter()
        .map(|ops| PdfPage::new(printpdf::Mm(210.0), printpdf::Mm(297.0), ops))
        .collect();
    doc.with_pages(pages);
    let when = chrono::DateTime::parse_from_rfc3339(&report.run.finished_at)
        .map(|d| d.timestamp())
        .unwrap_or(0);
    let date = printpdf::OffsetDateTime::from_unix_timestamp(when)
        .map_err(|e| RenderError::Pdf(e.to_string()))?;
    let info = &mut doc.metadata.info;
    info.creation_date = date;
    info.modification_date = date;
    info.metadata_date = date;
    info.author = format!("{} {}", report.run.tool.name, report.run.tool.version);
    info.creator = info.author.clone();
    info.producer = info.author.clone();
    info.subject = format!("Compliance evidence for {}", view.cluster);
    info.identifier = report.run.id.clone();
    // printpdf compresses every stream at zlib's best level, one after the other: that was a
    // quarter of a PDF's time. The streams are compressed here instead, at the default
    // level (the demo's PDF 0.6 % larger) and on all cores.
    let opts = PdfSaveOptions {
        subset_fonts: false,
        optimize: false,
        ..PdfSaveOptions::default()
    };
    let mut warnings = Vec::new();
    let mut lo = doc.to_lopdf_document(&opts, &mut warnings);
    // `/Lang` is a PDF 1.4 entry (printpdf declares 1.3).
    lo.version = "1.4".to_string();
    fix_document_dictionaries(&mut lo);
    compress_streams(&mut lo);
    let mut bytes = Vec::new();
    lo.save_to(&mut bytes)
        .map_err(|e| RenderError::Pdf(e.to_string()))?;
    Ok(bytes)
}

/// Corrects what printpdf writes into the catalog and the document information dictionary:
/// the language (`/Lang (en)`, for screen readers and text-to-speech), `/PageMode` as the
/// name the specification requires (printpdf writes the string `(UseOutlines)`), and no
/// `/GTS_PDFXVersion` (printpdf writes it empty, which readers take as a PDF/X claim) nor
/// `/Keywords` (never set here, so written empty).
fn fix_document_dictionaries(doc: &mut lopdf::Document) {
    use lopdf::Object;
    let root = doc.trailer.get(b"Root").and_then(Object::as_reference).ok();
    if let Some(catalog) = root
        .and_then(|id| doc.get_object_mut(id).ok())
        .and_then(|o| o.as_dict_mut().ok())
    {
        catalog.set("Lang", Object::string_literal("en"));
        let mode = if catalog.has(b"Outlines") {
            "UseOutlines"
        } else {
            "UseNone"
        };
        catalog.set("PageMode", Object::Name(mode.as_bytes().to_vec()));
    }
    let info = doc.trailer.get(b"Info").and_then(Object::as_reference).ok();
    if let Some(info) = info
        .and_then(|id| doc.get_object_mut(id).ok())
        .and_then(|o| o.as_dict_mut().ok())
    {
        info.remove(b"GTS_PDFXVersion");
        info.remove(b"Keywords");
    }
}

/// Compresses (Flate) every stream that allows it and has no filter yet, where that makes
/// it smaller, as `lopdf::Document::compress` does but at the default level and in parallel.
fn compress_streams(doc: &mut lopdf::Document) {
    use flate2::write::ZlibEncoder;
    use flate2::Compression;
    use rayon::prelude::*;
    use std::io::Write as _;
    let mut streams: Vec<&mut lopdf::Stream> = doc
        .objects
        .values_mut()
        .filter_map(|o| match o {
            lopdf::Object::Stream(s) if s.allows_compression && s.dict.get(b"Filter").is_err() => {
                Some(s)
            }
            _ => None,
        })
        .collect();
    streams.par_iter_mut().for_each(|s| {
        let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
        let compressed = z.write_all(&s.content).and_then(|()| z.finish());
        // The same rule as lopdf: kept only when it saves more than the filter entry costs.
        if let Ok(c) = compressed {
            if c.len() + 19 < s.content.len() {
                s.dict.set("Filter", "FlateDecode");
                s.set_content(c);
            }
        }
    });
}
