//! The combining and fan-out tests of Python aiochan's test suite (aiochan/test/test_channel.py), ported to `merge`, `distribute`, `Dup`, `Pub`, `zip_chans` and `combine_latest`.

// Source: https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py: test_merge,
// test_distribute, test_dup, test_dup_2, test_pub_sub, test_zip and test_combine_latest, one Rust
// test each, with the same name.
//
// Translation: `Chan(n)` is `Chan::fixed(n)`, `Chan()` is `Chan::new()`; `out=`/`close=` are an
// `Out`; `await c.collect(n)` is a loop of `n` gets (`collect()` with no count: gets until `None`).
// Python's lists mix ints and strings; a Rust channel carries one type, so those tests use the
// small enum `V`. Deviations, each noted where it matters:
// - test_pub_sub: aiochan's `Pub` never closes its subscribers when the source closes (its `close`
//   empties the topic table before walking it). Here they are closed, as in core.async, and the
//   port checks it.
// - test_merge: Python puts the string 'x' on an int channel; here it is the int 100, and the merge,
//   which checks its output before taking, no longer takes it (Python's takes and drops it).

use std::collections::BTreeSet;

use aiochan::ops::{combine_latest, merge, zip_chans, Out};
use aiochan::{from_iter, from_range, nop, Chan};

mod common;
// Python's tests run on a real loop with an unseeded `random.shuffle` in select; `run_seeded` fixes the
// seed, so that each run here is the same.
use common::run_seeded;

/// Python's `await c.collect(n)`: the next `n` values (fewer if the channel ends first).
async fn collect_n<T: 'static>(chan: &Chan<T>, n: usize) -> Vec<T> {
    let mut got = Vec::new();
    while got.len() < n {
        match chan.get().await {
            Some(v) => got.push(v),
            None => break,
        }
    }
    got
}

/// Python's `await c.collect()`: every value until the channel is closed and drained.
async fn collect_all<T: 'static>(chan: &Chan<T>) -> Vec<T> {
    collect_n(chan, usize::MAX).await
}

/// A Python value of the tests that mix ints and strings.
#[derive(Debug, Clone, PartialEq)]
enum V {
    Int(i64),
    Str(&'static str),
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_merge
#[test]
fn test_merge() {
    run_seeded(1, async {
        // Python: in1 = Chan().add(*range(10)); in2 = Chan().add(*range(10, 20))
        let in1 = Chan::new().add(0..10);
        let in2 = Chan::new().add(10..20);
        // Python: o = merge(in1, in2)
        let o = merge([in1.clone(), in2], Out::new());
        // Python: assert set(range(20)) == set(await o.collect(20))
        let got: BTreeSet<i32> = collect_n(&o, 20).await.into_iter().collect();
        assert_eq!(got, (0..20).collect());
        // Python: o.close(); await in1.put('x')
        // Deviation: Python's merge takes 'x' (so the put completes), then finds its output closed
        // and stops, dropping 'x'. This merge looks at its output before taking, so it takes
        // nothing more: the put is not accepted and the value stays with the caller.
        o.close();
        for _ in 0..3 {
            nop().await;
        }
        assert_eq!(in1.try_put(100).map_err(|e| e.into_inner()), Err(100));
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_distribute
#[test]
fn test_distribute() {
    run_seeded(2, async {
        // Python: inputs = [Chan(name='inp%s' % i) for i in range(3)]
        let inputs: Vec<Chan<i64>> = (0..3)
            .map(|i| Chan::new().named(format!("inp{i}")))
            .collect();
        // Python: from_range(20).distribute(*inputs)
        from_range(0..20).distribute(inputs.clone(), true);
        // Python: output = merge(*inputs)
        let output = merge(inputs, Out::new());
        // Python: assert set(range(20)) == set(await output.collect())
        let got = collect_all(&output).await;
        assert_eq!(got.len(), 20, "each value once");
        assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), (0..20).collect());
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_dup
#[test]
fn test_dup() {
    run_seeded(3, async {
        // Python: src = Chan(); a = Chan(4); b = Chan(4)
        let src = Chan::new();
        let (a, b) = (Chan::fixed(4), Chan::fixed(4));
        // Python: m = src.dup(); m.tap(a); m.tap(b)
        let m = src.dup();
        m.tap(Out::to(&a));
        m.tap(Out::to(&b));
        // Python: src.add(0, 1, 2, 3)
        src.add([0, 1, 2, 3]);
        // Python: assert [0, 1, 2, 3] == await a.collect(4) (and the same for b)
        assert_eq!(collect_n(&a, 4).await, [0, 1, 2, 3]);
        assert_eq!(collect_n(&b, 4).await, [0, 1, 2, 3]);
        // Python: m.untap_all(); m.close()
        m.untap_all();
        m.close();
        assert_eq!(m.taps(), 0);
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_dup_2
#[test]
fn test_dup_2() {
    run_seeded(4, async {
        // Python: dup = from_range(5).dup()
        let dup = from_range(0..5).dup();
        // Python: inputs = [Chan(5) for i in range(3)]; for i in inputs: dup.tap(i)
        let inputs: Vec<Chan<i64>> = (0..3).map(|_| Chan::fixed(5)).collect();
        for i in &inputs {
            dup.tap(Out::to(i));
        }
        // Python: for i in inputs: assert list(range(5)) == await i.collect()
        for i in &inputs {
            assert_eq!(collect_all(i).await, [0, 1, 2, 3, 4]);
        }
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_pub_sub
#[test]
fn test_pub_sub() {
    run_seeded(5, async {
        // Python: a_ints = Chan(6); a_strs = Chan(6); b_ints = Chan(6); b_strs = Chan(6)
        let (a_ints, a_strs) = (Chan::fixed(6), Chan::fixed(6));
        let (b_ints, b_strs) = (Chan::fixed(6), Chan::fixed(6));
        // Python: src = Chan()
        let src = Chan::new();
        // Python: def topic(v): 'string' for a str, 'int' for an integral
        let topic = |v: &V| match v {
            V::Int(_) => "int",
            V::Str(_) => "string",
        };
        // Python: p = src.pub(topic)
        let p = src.publish(topic);
        // Python: p.sub('string', a_strs); p.sub('string', b_strs); p.sub('int', a_ints);
        // p.sub('int', b_ints)
        p.sub("string", Out::to(&a_strs));
        p.sub("string", Out::to(&b_strs));
        p.sub("int", Out::to(&a_ints));
        p.sub("int", Out::to(&b_ints));
        // Python: src.add(1, 'a', 2, 'b', 3, 'c')
        src.add([
            V::Int(1),
            V::Str("a"),
            V::Int(2),
            V::Str("b"),
            V::Int(3),
            V::Str("c"),
        ]);
        let ints = [V::Int(1), V::Int(2), V::Int(3)];
        let strs = [V::Str("a"), V::Str("b"), V::Str("c")];
        // Python: assert [1, 2, 3] == await a_ints.collect(3) (and b_ints)
        assert_eq!(collect_n(&a_ints, 3).await, ints);
        assert_eq!(collect_n(&b_ints, 3).await, ints);
        // Python: assert ['a', 'b', 'c'] == await a_strs.collect(3) (and b_strs)
        assert_eq!(collect_n(&a_strs, 3).await, strs);
        assert_eq!(collect_n(&b_strs, 3).await, strs);
        // Python: p.unsub('int', a_ints); p.unsub('int', b_ints)
        p.unsub(&"int", &a_ints);
        p.unsub(&"int", &b_ints);
        // Python: src.add(4, 'd', 5, 'e', 6, 'f')
        src.add([
            V::Int(4),
            V::Str("d"),
            V::Int(5),
            V::Str("e"),
            V::Int(6),
            V::Str("f"),
        ]);
        // Python: assert ['d', 'e', 'f'] == await a_strs.collect(3)
        let later = [V::Str("d"), V::Str("e"), V::Str("f")];
        assert_eq!(collect_n(&a_strs, 3).await, later);
        // Python: src.close(); await nop()
        src.close();
        nop().await;
        // Deviation (aiochan's Pub leaves them open): the source's close reaches the subscribers
        // of the topics still subscribed, after their values; unsubscribed ones stay open.
        assert_eq!(collect_all(&a_strs).await, []);
        assert_eq!(collect_all(&b_strs).await, later);
        assert!(!a_ints.is_closed() && !b_ints.is_closed());
        assert_eq!(
            a_ints.try_get().ok(),
            None,
            "ints after the unsub were dropped"
        );
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_zip
#[test]
fn test_zip() {
    run_seeded(6, async {
        // Python: a = from_iter([1, 2, 3, 4]); b = from_iter(['a', 'b', 'c'])
        // c = from_iter(['x', 'y', 'z', 'w'])
        let a = from_iter([1, 2, 3, 4].map(V::Int));
        let b = from_iter(["a", "b", "c"].map(V::Str));
        let c = from_iter(["x", "y", "z", "w"].map(V::Str));
        // Python: out = zip_chans(a, b, c)
        let out = zip_chans([a, b, c], Out::new());
        // Python: assert [[1, 'a', 'x'], [2, 'b', 'y'], [3, 'c', 'z'], [4, None, 'w']]
        //                == await out.collect()
        let row = |n: i64, s: Option<&'static str>, t: &'static str| {
            vec![Some(V::Int(n)), s.map(V::Str), Some(V::Str(t))]
        };
        assert_eq!(
            collect_all(&out).await,
            [
                row(1, Some("a"), "x"),
                row(2, Some("b"), "y"),
                row(3, Some("c"), "z"),
                row(4, None, "w"),
            ]
        );
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_combine_latest
#[test]
fn test_combine_latest() {
    run_seeded(7, async {
        // Python: a = Chan(name='a'); b = Chan(name='b'); c = Chan(name='c')
        let a = Chan::new().named("a");
        let b = Chan::new().named("b");
        let c = Chan::new().named("c");
        // Python: out = combine_latest(a, b, c, out=Chan(1))
        let out = combine_latest([a.clone(), b.clone(), c.clone()], Out::to(&Chan::fixed(1)));
        // Python: await a.put(1); assert [1, None, None] == await out.get()
        a.put(1).await;
        assert_eq!(out.get().await, Some(vec![Some(1), None, None]));
        // Python: a.close(); await b.put(2); assert [1, 2, None] == await out.get()
        a.close();
        b.put(2).await;
        assert_eq!(out.get().await, Some(vec![Some(1), Some(2), None]));
        // Python: await c.put(3); assert [1, 2, 3] == await out.get()
        c.put(3).await;
        assert_eq!(out.get().await, Some(vec![Some(1), Some(2), Some(3)]));
        // Python: b.close(); c.close(); await nop(); assert out.closed
        b.close();
        c.close();
        nop().await;
        assert!(out.is_closed());
    });
}
