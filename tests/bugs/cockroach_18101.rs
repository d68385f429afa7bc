//! GoKer cockroach18101: a restore stops reading its spans when its context is cancelled, and the
//! goroutine producing them blocks for ever on the full channel.
//
// Go file: cockroach18101_test.go, from GoBench (MIT), ported to aiochan.
// https://github.com/timmyyuan/gobench/blob/master/gobench/goker/blocking/cockroach/18101/cockroach18101_test.go
// Upstream: https://github.com/cockroachdb/cockroach/pull/18101
//
// `splitAndScatter` sends eight spans into a channel with a buffer of six; `restore` returns at the
// first span once the context is cancelled. Cancellation only stops the reader, so the producer
// waits on the full channel for ever. A context is a channel closed by `cancel`, as in Go. The fix,
// as upstream's, has the producer select between the send and the context's `Done`.

use aiochan::{go_named, select, Chan};

/// Schedules the test explores to find the bug (see `SCHEDULES` in main.rs for how many).
pub const SEEDS: u64 = 5;

const CHAN_SIZE: usize = 6;

/// Go's `context.Context` reduced to what the kernel uses: `Done`, closed by `cancel`.
#[derive(Clone)]
struct Context {
    done: Chan<()>,
}

impl Context {
    fn with_cancel() -> (Context, impl FnOnce()) {
        let done = Chan::new().named("ctx.Done");
        let cancel = {
            let done = done.clone();
            move || {
                done.close();
            }
        };
        (Context { done }, cancel)
    }
}

// The loop never loops, as in Go: its one select case returns.
#[allow(clippy::never_loop)]
async fn restore(ctx: Context, fixed: bool) -> bool {
    let ready_for_import_ch = Chan::fixed(CHAN_SIZE).named("readyForImportCh");
    let ch = ready_for_import_ch.clone();
    let c = ctx.clone();
    go_named("restore.func1", async move {
        if fixed {
            split_and_scatter_fixed(&c, &ch).await;
        } else {
            split_and_scatter(&c, &ch).await;
        }
        ch.close();
    });
    while let Some(ready_for_import_span) = ready_for_import_ch.get().await {
        select! {
            _ = get(ctx.done) => return ready_for_import_span,
        }
    }
    true
}

async fn split_and_scatter(_ctx: &Context, ready_for_import_ch: &Chan<bool>) {
    for i in 0..CHAN_SIZE + 2 {
        ready_for_import_ch.put(i != 0).await;
    }
}

async fn split_and_scatter_fixed(ctx: &Context, ready_for_import_ch: &Chan<bool>) {
    for i in 0..CHAN_SIZE + 2 {
        select! {
            _ = put(ready_for_import_ch, i != 0) => {},
            _ = get(ctx.done) => return,
        }
    }
}

async fn run(fixed: bool) {
    let (ctx, cancel) = Context::with_cancel();
    let g1 = go_named("restore", restore(ctx, fixed));
    let helper = go_named("cancel", async move { cancel() });
    g1.await;
    helper.await;
}

/// The kernel as it was.
pub async fn buggy() {
    run(false).await;
}

/// Upstream's fix: the producer stops once the context is done.
pub async fn fixed() {
    run(true).await;
}

#[test]
fn buggy_leaks() {
    crate::found(buggy, SEEDS, "leak:", &["restore.func1"]);
}

#[test]
fn fixed_passes() {
    crate::passes(fixed);
}
