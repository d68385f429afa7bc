//! Chapter 8 of the crate tutorial, "Combining channels" (`aiochan::tutorial::ch08_combinations`):
//! merge, zip, combine_latest, Dup, Pub, distribute and Mix.

use std::time::Duration;

use aiochan::ops::{combine_latest, merge, zip_chans, Mix, MixState, Out};
use aiochan::{from_iter, from_range, go_named, nop, sleep, Chan, Runtime};

/// `merge` puts every value of its inputs as it comes; `zip_chans` reads them in lockstep, one
/// row at a time, `None` for an input that has ended.
pub fn merge_zip(rt: &Runtime) {
    rt.run(async {
        let merged = merge([from_iter([1, 2, 3]), from_iter([10, 20])], Out::new());
        println!("merged: {:?}", merged.collect().await);

        let names = from_iter(["ada", "alan", "grace"]);
        let years = from_iter(["1815", "1912"]);
        let rows = zip_chans([names, years], Out::new());
        while let Some(row) = rows.get().await {
            println!("zipped row: {row:?}");
        }
    });
}

/// `combine_latest`: a dashboard row with the latest of every input on each change.
pub fn combine_latest_dashboard(rt: &Runtime) {
    rt.run(async {
        let temperature = Chan::new().named("temperature");
        let humidity = Chan::new().named("humidity");
        let dashboard = combine_latest([temperature.clone(), humidity.clone()], Out::fixed(4));
        for (input, value) in [(&temperature, 21), (&humidity, 40), (&temperature, 22)] {
            input.put(value).await;
            println!("dashboard: {:?}", dashboard.get().await);
        }
        temperature.close();
        humidity.close();
        println!("both inputs closed, dashboard: {:?}", dashboard.get().await);
    });
}

/// A `Dup` gives every tap every value; a `Pub` gives each subscriber the values of its topic.
pub fn dup_pub(rt: &Runtime) {
    rt.run(async {
        let events = Chan::new().named("events");
        let dup = events.dup();
        let audit = dup.tap(Out::fixed(4));
        let screen = dup.tap(Out::fixed(4));
        events.add(["login", "logout"]).close();
        println!("audit sees {:?}", audit.collect().await);
        println!("screen sees {:?}", screen.collect().await);

        let orders = Chan::new().named("orders");
        let by_desk = orders.publish(|order: &(&str, u32)| order.0);
        let books = by_desk.sub("books", Out::fixed(4));
        let games = by_desk.sub("games", Out::fixed(4));
        orders
            .add([("books", 1), ("games", 2), ("music", 3), ("books", 4)])
            .close();
        println!("the books desk gets {:?}", books.collect().await);
        println!("the games desk gets {:?}", games.collect().await);
        println!("nobody subscribed to music, so order 3 was dropped");
    });
}

/// `distribute` hands each of twelve values to exactly one of three inboxes, whichever can take it
/// first; equally fast workers get equal shares.
pub fn distribute(rt: &Runtime) {
    rt.run(async {
        let inboxes: Vec<Chan<i64>> = (0..3)
            .map(|i| Chan::new().named(format!("inbox {i}")))
            .collect();
        from_range(0..12).distribute(inboxes.clone(), true);
        let workers: Vec<_> = inboxes
            .into_iter()
            .enumerate()
            .map(|(i, inbox)| {
                go_named(format!("worker {i}"), async move {
                    let mut done = Vec::new();
                    while let Some(job) = inbox.get().await {
                        sleep(Duration::from_millis(10)).await; // the work
                        done.push(job);
                    }
                    done
                })
            })
            .collect();
        for (i, worker) in workers.into_iter().enumerate() {
            let done = worker.await;
            println!("worker {i} did {} jobs: {done:?}", done.len());
        }
    });
}

/// A `Mix`: a paused input is not read (its value waits in its channel), and is heard again once
/// unpaused.
pub fn mix(rt: &Runtime) {
    rt.run(async {
        let mix = Mix::new(Out::fixed(8));
        let music = Chan::fixed(4).named("music");
        let chatter = Chan::fixed(4).named("chatter");
        mix.admix(&music);
        mix.admix(&chatter);

        let paused = MixState {
            pause: true,
            ..MixState::default()
        };
        mix.toggle(&chatter, paused);
        music.put("la").await;
        chatter.put("blah").await;
        println!("the mix plays {:?}", mix.out().get().await);
        nop().await;
        println!(
            "chatter is paused, its value waits: {:?}",
            chatter.try_get()
        );

        mix.toggle(&chatter, MixState::default());
        chatter.put("hello").await;
        println!("chatter heard again: {:?}", mix.out().get().await);
    });
}
