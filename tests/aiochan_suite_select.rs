//! The select tests of Python aiochan's test suite (aiochan/test/test_channel.py), ported to the dynamic `select` / `try_select`.

// Source: https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py, every test
// that exercises `select`: test_select_works_at_all, test_select_default, test_select_puts and
// test_without_asyncio (callback selects with no loop).
//
// Python's `select(..., default=x)` is `try_select(ops, false)` here, `priority=True` is
// `.priority()`. One difference of semantics none of these tests reaches: aiochan's select parks
// each operation as it goes, and `Chan._put` answers `(False,)` on a closed channel without
// committing the select's flag, so a select whose put meets a closed channel resolves with `False`
// while operations it parked before stay active, and a later partner on one of those channels
// resolves it a second time. This select follows core.async (ASYNC-204): a put to a closed channel
// completes the select exactly once, with `Outcome::Put(false)` (see tests/select.rs).

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use aiochan::{select, try_select, Chan, Op, Outcome};

mod common;
// Python's tests run on a real loop with an unseeded `random.shuffle`; `run_seeded` fixes the
// seed, so that each run here is the same.
use common::run_seeded;

/// A waker that does nothing, for polling a future with no loop running.
struct NoWake;

impl Wake for NoWake {
    fn wake(self: Arc<Self>) {}
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_select_works_at_all
#[test]
fn test_select_works_at_all() {
    run_seeded(1, async {
        // Python: c = Chan().add(42).close(); assert (42, c) == await select(c)
        let c = Chan::new().add([42]).close();
        let sel = select([Op::get(&c)]).await;
        assert_eq!((sel.outcome, sel.chan), (Outcome::Got(Some(42)), c));
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_select_default
#[test]
fn test_select_default() {
    run_seeded(2, async {
        // Python: c = Chan(1); assert (42, None) == await select(c, default=42)
        // `try_select` takes the place of `default=`: instead of the default value with no
        // channel, it hands the operations back.
        let c: Chan<i32> = Chan::fixed(1);
        let ops = try_select([Op::get(&c)], false).expect_err("nothing is ready: the default");
        assert_eq!(ops.len(), 1);
        assert!(matches!(&ops[0], Op::Get(ch) if *ch == c));
        assert_eq!(c.queue_lens(), (0, 0), "the default queued nothing");
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_select_puts
#[test]
fn test_select_puts() {
    run_seeded(3, async {
        let mut f_hits = 0;
        let mut e_hits = 0;
        for _ in 0..100 {
            // Python: f = Chan().add(1).close(); e = Chan(1)
            //         r, rc = await select(f, (e, 2), (e, 3), (e, 4))
            let f = Chan::new().add([1]).close();
            let e = Chan::fixed(1);
            let sel = select([Op::get(&f), Op::put(&e, 2), Op::put(&e, 3), Op::put(&e, 4)]).await;
            if sel.chan == f {
                f_hits += 1;
                assert_eq!((sel.index, sel.outcome), (0, Outcome::Got(Some(1))));
                assert_eq!(e.try_get().ok(), None, "no put completed");
            } else {
                assert_eq!(sel.chan, e);
                e_hits += 1;
                assert_eq!(sel.outcome, Outcome::Put(true));
                // Exactly the chosen put's value went in.
                assert_eq!(e.try_get().ok(), Some(sel.index as i32 + 1));
                assert_eq!(f.try_get().ok(), Some(1), "the get did not complete");
            }
        }
        // Python leaves a 2/2^100 chance of failure; under a fixed seed there is none.
        assert!(f_hits > 0 && e_hits > 0, "f {f_hits}, e {e_hits}");
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_without_asyncio
#[test]
fn test_without_asyncio() {
    // Python runs two callback selects on channels with no loop: a put select over two buffered
    // channels, then a get select over the same two. Here no loop runs either: the select future
    // is polled once by hand (it completes on its first pass) and the get uses `try_select`.
    let c: Chan<i32> = Chan::fixed(1);
    let d: Chan<i32> = Chan::fixed(1);
    let waker = Waker::from(Arc::new(NoWake));
    let mut cx = Context::from_waker(&waker);
    let put = pin!(select([Op::put(&c, 1), Op::put(&d, 2)]));
    let Poll::Ready(put) = put.poll(&mut cx) else {
        panic!("a put to a buffer with room completes at once")
    };
    assert_eq!(put.outcome, Outcome::Put(true));
    let put_chan = put.chan;

    let got = try_select([Op::get(&c), Op::get(&d)], false).expect("a value is buffered");
    let get_val = got.value();
    assert!(
        (put_chan == c && get_val == Some(1)) || (put_chan == d && get_val == Some(2)),
        "put to {put_chan:?}, got {get_val:?}"
    );
}
