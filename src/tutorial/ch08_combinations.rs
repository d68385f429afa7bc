//! Chapter 8: combining channels.
//!
//! The operators of chapter 7 have one input and one output. This chapter's have several of one
//! or the other: they join streams, split them, or route values between them.
//!
//! | many into one | one into many |
//! |---|---|
//! | [`merge`](crate::ops::merge): every value, as it comes | [`Dup`](crate::ops::Dup): every value to every tap |
//! | [`zip_chans`](crate::ops::zip_chans): one value from each, as a row | [`Pub`](crate::ops::Pub): each value to the subscribers of its topic |
//! | [`combine_latest`](crate::ops::combine_latest): the latest of each, on every change | [`distribute`](crate::Chan::distribute): each value to one taker |
//! | [`Mix`](crate::ops::Mix): like merge, with inputs that come and go, muted or paused | |
//!
//! # Many into one: merge and zip
//!
//! [`merge`](crate::ops::merge) is fan-in as an operator: it puts the values of all its inputs on
//! one output as they arrive, and closes the output once every input has ended. The values of each
//! input keep their order; how values of different inputs interleave depends on when they arrive.
//!
//! [`zip_chans`](crate::ops::zip_chans) instead reads its inputs in lockstep, one value from each
//! per row, like [`Iterator::zip`]; an input that has ended leaves `None` in its column until all
//! have ended.
//!
//! ```
//! use aiochan::{from_iter, ops::{merge, zip_chans, Out}};
//!
//! aiochan::run(async {
//!     let merged = merge([from_iter([1, 2, 3]), from_iter([10, 20])], Out::new());
//!     let merged = merged.collect().await;
//!     assert_eq!(merged.len(), 5);
//!     let small: Vec<i32> = merged.iter().copied().filter(|&v| v < 10).collect();
//!     assert_eq!(small, [1, 2, 3]); // each input's values keep their order
//!
//!     let names = from_iter(["ada", "alan", "grace"]);
//!     let years = from_iter(["1815", "1912"]);
//!     let rows = zip_chans([names, years], Out::new()).collect().await;
//!     assert_eq!(
//!         rows,
//!         [
//!             vec![Some("ada"), Some("1815")],
//!             vec![Some("alan"), Some("1912")],
//!             vec![Some("grace"), None],
//!         ]
//!     );
//! });
//! ```
//!
//! Run it: `cargo run --example tutorial -- combinations-1-merge-zip --virtual`.
//!
//! # The latest of everything: combine_latest
//!
//! [`combine_latest`](crate::ops::combine_latest) suits inputs that report a changing *state*
//! rather than a series of events: every time any input has a new value, it puts a row with the
//! latest value of every input (`None` for an input that has not spoken yet). Think of a dashboard
//! fed by a thermometer and a hygrometer that report at their own pace:
//!
//! ```
//! use aiochan::{ops::{combine_latest, Out}, Chan};
//!
//! aiochan::run(async {
//!     let (temperature, humidity) = (Chan::new(), Chan::new());
//!     let dashboard = combine_latest([temperature.clone(), humidity.clone()], Out::fixed(4));
//!
//!     temperature.put(21).await;
//!     assert_eq!(dashboard.get().await, Some(vec![Some(21), None]));
//!     humidity.put(40).await;
//!     assert_eq!(dashboard.get().await, Some(vec![Some(21), Some(40)]));
//!     temperature.put(22).await;
//!     assert_eq!(dashboard.get().await, Some(vec![Some(22), Some(40)]));
//!
//!     temperature.close();
//!     humidity.close();
//!     assert_eq!(dashboard.get().await, None);
//! });
//! ```
//!
//! Run it: `cargo run --example tutorial -- combinations-2-combine-latest --virtual`.
//!
//! # One into many: Dup and Pub
//!
//! A value taken from a channel goes to one getter only. To give *every* interested party a copy,
//! make a duplicator with [`Chan::dup`](crate::Chan::dup) and [`tap`](crate::ops::Dup::tap) it
//! once per party (core.async calls this a *mult*). A publication made with
//! [`Chan::publish`](crate::Chan::publish) is a duplicator per topic: it computes the topic of
//! each value, and each subscriber (made with [`sub`](crate::ops::Pub::sub)) receives copies of
//! the values of its topic only. Values nobody listens to are dropped.
//!
//! Both hand a value out in lockstep: the next value is taken only after every tap (or every
//! subscriber of the topic) has accepted the current one. A slow tap holds back the others, so
//! give taps buffers, as below, when their readers run at different paces.
//!
//! ```
//! use aiochan::{ops::Out, Chan};
//!
//! aiochan::run(async {
//!     // Every tap sees every value.
//!     let events = Chan::new();
//!     let dup = events.dup();
//!     let audit = dup.tap(Out::fixed(4));
//!     let screen = dup.tap(Out::fixed(4));
//!     events.add(["login", "logout"]).close();
//!     assert_eq!(audit.collect().await, ["login", "logout"]);
//!     assert_eq!(screen.collect().await, ["login", "logout"]);
//!
//!     // Each subscriber sees the values of its topic.
//!     let orders = Chan::new();
//!     let by_desk = orders.publish(|order: &(&str, u32)| order.0);
//!     let books = by_desk.sub("books", Out::fixed(4));
//!     let games = by_desk.sub("games", Out::fixed(4));
//!     orders.add([("books", 1), ("games", 2), ("music", 3), ("books", 4)]).close();
//!     assert_eq!(books.collect().await, [("books", 1), ("books", 4)]);
//!     assert_eq!(games.collect().await, [("games", 2)]); // nobody wanted "music"
//! });
//! ```
//!
//! Run it: `cargo run --example tutorial -- combinations-3-dup-pub --virtual`.
//!
//! # Each value to one taker: distribute
//!
//! [`distribute`](crate::Chan::distribute) hands each value to exactly one of several output
//! channels, whichever can take it first: a dispatcher in front of a team of workers, each with its
//! own queue. Compare with fan-out (chapter 3), where the workers share one channel: here each
//! worker keeps its own inbox, which you can buffer, close or monitor separately.
//!
//! ```
//! use std::time::Duration;
//! use aiochan::{from_range, go, sleep, Chan, Runtime};
//!
//! let loads = Runtime::builder().virtual_time(true).build().run(async {
//!     let inboxes: Vec<Chan<i64>> = (0..3).map(|_| Chan::new()).collect();
//!     from_range(0..12).distribute(inboxes.clone(), true);
//!     let workers: Vec<_> = inboxes
//!         .into_iter()
//!         .map(|inbox| {
//!             go(async move {
//!                 let mut done = 0;
//!                 while inbox.get().await.is_some() {
//!                     sleep(Duration::from_millis(10)).await; // the work
//!                     done += 1;
//!                 }
//!                 done
//!             })
//!         })
//!         .collect();
//!     let mut loads = Vec::new();
//!     for worker in workers {
//!         loads.push(worker.await);
//!     }
//!     loads
//! });
//! assert_eq!(loads.iter().sum::<i32>(), 12); // every value went to exactly one worker
//! assert_eq!(loads, [4, 4, 4]); // equally fast workers get equal shares
//! ```
//!
//! Run it: `cargo run --example tutorial -- combinations-4-distribute --virtual`.
//!
//! # A mixing desk: Mix
//!
//! A [`Mix`](crate::ops::Mix) is a merge whose inputs can change while it runs: add one with
//! [`admix`](crate::ops::Mix::admix), remove it with [`unmix`](crate::ops::Mix::unmix), and set
//! its [`MixState`](crate::ops::MixState) with [`toggle`](crate::ops::Mix::toggle): *muted* inputs
//! are still read but their values are dropped, *paused* inputs are not read at all (their values
//! wait), and while any input is *soloed*, only soloed inputs are heard.
//!
//! ```
//! use aiochan::{nop, ops::{Mix, MixState, Out}, Chan};
//!
//! aiochan::run(async {
//!     let mix = Mix::new(Out::fixed(8));
//!     let (music, chatter) = (Chan::fixed(4), Chan::fixed(4));
//!     mix.admix(&music);
//!     mix.admix(&chatter);
//!
//!     mix.toggle(&chatter, MixState { pause: true, ..MixState::default() });
//!     music.put("la").await;
//!     chatter.put("blah").await;
//!     assert_eq!(mix.out().get().await, Some("la"));
//!     nop().await;
//!     assert_eq!(chatter.try_get(), Ok("blah")); // paused: left waiting in its channel
//!
//!     mix.toggle(&chatter, MixState::default()); // heard again
//!     chatter.put("hello").await;
//!     assert_eq!(mix.out().get().await, Some("hello"));
//! });
//! ```
//!
//! Run it: `cargo run --example tutorial -- combinations-5-mix --virtual`.
//!
//! To recap:
//! - [`merge`](crate::ops::merge), [`zip_chans`](crate::ops::zip_chans) and
//!   [`combine_latest`](crate::ops::combine_latest) join channels as events, rows, or states;
//! - [`Dup`](crate::ops::Dup) copies every value to every tap, [`Pub`](crate::ops::Pub) by topic,
//!   both in lockstep;
//! - [`distribute`](crate::Chan::distribute) gives each value to exactly one output;
//! - [`Mix`](crate::ops::Mix) merges a changing set of inputs, each muted, paused or soloed.
//!
//! Next, [chapter 9](super::ch09_parallelism): threads.
