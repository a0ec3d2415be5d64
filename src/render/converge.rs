//! Typst's compile loop (`typst::compile` for a paged document), run by
//! folio so that a big book does not hold every layout iteration at once.
//!
//! Typst lays a document out again until what it asked about itself (pages
//! of labels, counters, the number of pages) no longer changes: three
//! iterations for a folio book. Its own loop keeps each iteration's
//! document and every layout result in the memo cache until the end. This
//! one keeps only the last document and, when no other document is laid
//! out beside it, drops after each iteration the cached results that
//! iteration did not use, which are stale: what the next iteration reuses
//! stays. In `folio watch` it starts from the previous build's document
//! instead of from nothing.

use std::sync::atomic::{AtomicUsize, Ordering};

use ecow::EcoVec;
use typst::World;
use typst::comemo::{self, Track};
use typst::diag::{SourceDiagnostic, SourceResult, Warned};
use typst::engine::{Engine, Route, Sink, Traced};
use typst::foundations::{StyleChain, Target, TargetElem};
use typst::introspection::{EmptyIntrospector, ITER_NAMES, Introspector, MAX_ITERS};
use typst::utils::Protected;
use typst_layout::PagedDocument;

/// Where a layout starts.
#[derive(Clone, Copy)]
pub enum Start<'a> {
    /// From nothing, as Typst does, for a document laid out alone (the
    /// build's only one, or the only one of its wave: a compendium that
    /// other packs print pages of): what later iterations no longer use is
    /// dropped from the memo cache as they go.
    Alone,
    /// From nothing, beside other documents: everything is kept cached,
    /// as dropping stale results ages theirs too.
    Shared,
    /// A rebuild in `folio watch`: from the document the previous build laid
    /// out (if it had one), which is usually already where the layout
    /// settles, so that one iteration of cache hits is often all it takes.
    /// Everything cached is kept for the next build.
    Rebuild(Option<&'a PagedDocument>),
}

/// How many documents are being laid out now.
static LAYING_OUT: AtomicUsize = AtomicUsize::new(0);

struct LayingOut;

impl LayingOut {
    fn start() -> Self {
        LAYING_OUT.fetch_add(1, Ordering::SeqCst);
        LayingOut
    }
}

impl Drop for LayingOut {
    fn drop(&mut self) {
        LAYING_OUT.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Lays out the document of `world`, as `typst::compile` does, with the
/// same warnings and errors.
pub fn compile(world: &dyn World, start: Start) -> Warned<SourceResult<PagedDocument>> {
    let _laying_out = LayingOut::start();
    let mut sink = Sink::new();
    let output = match layout(world, start, &mut sink) {
        Ok(Some(document)) => Ok(document),
        // A document that does not settle: Typst's own loop keeps every
        // iteration and can say which of its questions kept changing.
        Ok(None) => return typst::compile(world),
        Err(errors) => Err(deduplicate(errors)),
    };
    Warned {
        output,
        warnings: sink.warnings(),
    }
}

/// The loop: the settled document, or `None` if it did not settle within
/// Typst's limit of iterations.
fn layout(world: &dyn World, start: Start, sink: &mut Sink) -> SourceResult<Option<PagedDocument>> {
    let world = world.track();
    let traced = Traced::default();
    let traced = traced.track();
    let library = world.library();
    let base = StyleChain::new(&library.styles);
    let target = TargetElem::target.set(Target::Paged).wrap();
    let styles = base.chain(&target);
    let main = world.source(world.main()).map_err(|err| {
        EcoVec::from([SourceDiagnostic::error(
            typst::syntax::Span::detached(),
            err.to_string(),
        )])
    })?;
    let content = typst_eval::eval(
        world,
        library,
        traced,
        sink.track_mut(),
        Route::default().track(),
        &main,
    )?
    .content();

    let empty = EmptyIntrospector;
    let mut previous: Option<PagedDocument> = None;
    let mut iteration = 0;
    loop {
        let _scope = typst_timing::TimingScope::new(ITER_NAMES[iteration]);
        let introspector: &dyn Introspector = match (&previous, start) {
            (Some(document), _) | (None, Start::Rebuild(Some(document))) => {
                document.introspector().as_ref()
            }
            (None, _) => &empty,
        };
        let constraint = comemo::Constraint::new();
        let mut subsink = Sink::new();
        let mut engine = Engine {
            library,
            world,
            introspector: Protected::new(introspector.track_with(&constraint)),
            traced,
            sink: subsink.track_mut(),
            route: Route::default(),
        };
        let document = typst_layout::layout_document(&mut engine, &content, styles)?;
        iteration += 1;
        let stable = constraint.validate(document.introspector().as_ref() as &dyn Introspector);
        if !stable && iteration == MAX_ITERS {
            return Ok(None);
        }
        if stable {
            sink.extend_from_sink(subsink);
            let delayed = sink.delayed();
            if !delayed.is_empty() {
                return Err(delayed);
            }
            return Ok(Some(document));
        }
        // The last document is all the next iteration asks about.
        drop(previous.replace(document));
        // Evicting ages the results of every document being laid out (the
        // copy slots of numbered copies run side by side).
        if matches!(start, Start::Alone) && LAYING_OUT.load(Ordering::SeqCst) == 1 {
            comemo::evict(1);
        }
    }
}

/// Typst reports an error once per place and message.
fn deduplicate(mut diagnostics: EcoVec<SourceDiagnostic>) -> EcoVec<SourceDiagnostic> {
    let mut seen = std::collections::HashSet::new();
    diagnostics.retain(|d| seen.insert(typst::utils::hash128(&(&d.span, &d.message))));
    diagnostics
}
