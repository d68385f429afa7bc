//! Traces: the events of a run as a text timeline, Mermaid and SVG (insta snapshots).

use std::time::Duration;

use aiochan::{go, sleep, Chan, Event, Runtime, TaskEnd, WaitKind};

fn traced_exchange() -> aiochan::Trace {
    let rt = Runtime::builder().virtual_time(true).seed(1).build();
    let ((), trace) = rt.run_traced(async {
        let c = Chan::new().named("jobs");
        let producer = c.clone();
        let p = aiochan::go_named("producer", async move {
            for i in 0..2 {
                sleep(Duration::from_millis(100)).await;
                producer.put(i).await;
            }
            producer.close();
        });
        let consumer = go(async move { while c.get().await.is_some() {} });
        p.await;
        consumer.await;
    });
    trace
}

#[test]
fn a_trace_reads_as_a_timeline() {
    insta::assert_snapshot!(traced_exchange().to_text());
}

#[test]
fn a_trace_renders_as_a_mermaid_sequence_diagram() {
    insta::assert_snapshot!(traced_exchange().to_mermaid());
}

#[test]
fn a_trace_renders_as_a_standalone_svg() {
    let svg = traced_exchange().to_svg();
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.trim_end().ends_with("</svg>"));
    for name in ["task 'producer'", "channel 'jobs'", "task #2", "main"] {
        assert!(svg.contains(&format!(">{name}<")), "{name} missing");
    }
    assert_eq!(
        svg.matches(">put</text>").count(),
        2,
        "two hand-offs, each put then get"
    );
    assert_eq!(svg.matches(">get</text>").count(), 2);
}

#[test]
fn the_hand_offs_name_both_sides_and_the_channel() {
    let handoffs: Vec<_> = traced_exchange()
        .events()
        .iter()
        .filter_map(|e| match &e.event {
            Event::Handoff { chan, from, to, .. } => {
                Some((e.at, chan.clone(), from.clone(), to.clone()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(handoffs.len(), 2);
    for (i, (at, chan, from, to)) in handoffs.into_iter().enumerate() {
        assert_eq!(at, Duration::from_millis(100 * (i as u64 + 1)));
        assert_eq!(
            (chan.as_str(), from.as_str(), to.as_str()),
            ("channel 'jobs'", "task 'producer'", "task #2")
        );
    }
}

#[test]
fn a_run_without_tracing_records_nothing() {
    let ((), trace) = Runtime::builder()
        .virtual_time(true)
        .build()
        .run_traced(async {});
    assert!(trace
        .events()
        .iter()
        .all(|e| !matches!(e.event, Event::Handoff { .. })));
    // A plain run after a traced one on the same thread does not trace.
    Runtime::builder().virtual_time(true).build().run(async {
        let c = Chan::fixed(1);
        c.put(1).await;
    });
}

/// The events of `trace` that are about `chan`, as (what, buffered, waiting puts, waiting gets).
fn chan_story(trace: &aiochan::Trace, chan: &str) -> Vec<(String, usize, usize, usize)> {
    trace
        .events()
        .iter()
        .filter_map(|e| {
            let (c, after) = e.event.channel()?;
            (c == chan).then(|| {
                let what = e.event.describe();
                (what, after.buffered, after.puts.len(), after.gets.len())
            })
        })
        .collect()
}

#[test]
fn channel_events_carry_the_buffer_and_queues_after_them() {
    let ((), trace) = Runtime::builder()
        .virtual_time(true)
        .seed(1)
        .build()
        .run_traced(async {
            let c = Chan::fixed(1).named("box");
            let putter = c.clone();
            let p = aiochan::go_named("putter", async move {
                putter.put(1).await;
                putter.put(2).await; // the buffer is full: waits
            });
            sleep(Duration::from_millis(10)).await;
            assert_eq!(c.get().await, Some(1));
            assert_eq!(c.get().await, Some(2));
            p.await;
        });
    let story = chan_story(&trace, "channel 'box'");
    let expected = [
        ("task 'putter' puts into channel 'box'", 1, 0, 0),
        ("task 'putter' queues a put on channel 'box'", 1, 1, 0),
        ("main gets from channel 'box'", 0, 1, 0),
        // The waiting put moves into the room the get made.
        ("task 'putter' puts into channel 'box'", 1, 0, 0),
        ("main gets from channel 'box'", 0, 0, 0),
    ];
    let story: Vec<_> = story
        .iter()
        .map(|(w, b, p, g)| (w.as_str(), *b, *p, *g))
        .collect();
    assert_eq!(story, expected);
    let capacity = trace.events().iter().find_map(|e| e.event.channel());
    assert_eq!(capacity.map(|(_, after)| after.capacity), Some(Some(1)));
}

#[test]
fn a_select_queues_on_every_channel_and_withdraws_from_the_others() {
    use aiochan::{select, Op};
    let ((), trace) = Runtime::builder()
        .virtual_time(true)
        .seed(1)
        .build()
        .run_traced(async {
            let a = Chan::<u8>::new().named("a");
            let b = Chan::<u8>::new().named("b");
            let (a2, b2) = (a.clone(), b.clone());
            let chooser = aiochan::go_named("chooser", async move {
                select([Op::get(&a2), Op::get(&b2)]).await.index
            });
            sleep(Duration::from_millis(5)).await;
            b.put(1).await;
            assert_eq!(chooser.await, 1);
        });
    assert_eq!(
        chan_story(&trace, "channel 'a'"),
        [
            (
                "task 'chooser' queues a get on channel 'a'".to_string(),
                0,
                0,
                1
            ),
            (
                "task 'chooser' withdraws its get from channel 'a'".to_string(),
                0,
                0,
                0
            ),
        ]
    );
    assert_eq!(
        chan_story(&trace, "channel 'b'")[1],
        ("main -> channel 'b' -> task 'chooser'".to_string(), 0, 0, 0)
    );
    assert!(trace.events().iter().any(|e| matches!(
        &e.event,
        Event::Park { task, wait: WaitKind::Select, on, .. }
            if task == "task 'chooser'" && on == "select of get from channel 'a', get from channel 'b'"
    )));
}

#[test]
fn polls_end_in_a_park_with_its_source_line_a_yield_or_an_end() {
    let ((), trace) = Runtime::builder()
        .virtual_time(true)
        .seed(1)
        .build()
        .run_traced(async {
            let yielder = aiochan::go_named("yielder", async { aiochan::nop().await });
            let sleeper = aiochan::go_named("sleeper", async {
                sleep(Duration::from_secs(1)).await;
            });
            yielder.await;
            sleeper.abort();
        });
    let events: Vec<&Event> = trace.events().iter().map(|e| &e.event).collect();
    assert_eq!(events[0], &Event::Begin { run: 1, seed: 1 });
    assert!(events.contains(&&Event::Yield {
        task: "task 'yielder'".into()
    }));
    assert!(events.contains(&&Event::End {
        task: "task 'yielder'".into(),
        how: TaskEnd::Finished
    }));
    assert!(events.contains(&&Event::End {
        task: "task 'sleeper'".into(),
        how: TaskEnd::Aborted
    }));
    let sleep_site = events.iter().find_map(|e| match e {
        Event::Park {
            task,
            wait: WaitKind::Timer,
            at,
            ..
        } if task == "task 'sleeper'" => at.clone(),
        _ => None,
    });
    let line = line!() - 27;
    assert_eq!(sleep_site, Some(format!("tests/trace.rs:{line}")));
}

#[test]
fn a_tracing_runtime_keeps_every_run_until_taken_even_one_that_deadlocks() {
    let rt = Runtime::builder()
        .virtual_time(true)
        .seed(3)
        .trace(true)
        .build();
    rt.run(async {
        let c = Chan::new().named("ok");
        let getter = c.clone();
        let task = go(async move { getter.get().await });
        c.put(1).await;
        task.await;
    });
    let deadlock = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.run(async {
            Chan::<u8>::new().named("nobody").get().await;
        })
    }));
    assert!(deadlock.is_err());
    let trace = rt.take_trace();
    let begins: Vec<&Event> = trace
        .events()
        .iter()
        .map(|e| &e.event)
        .filter(|e| matches!(e, Event::Begin { .. }))
        .collect();
    assert_eq!(
        begins,
        [
            &Event::Begin { run: 1, seed: 3 },
            &Event::Begin { run: 2, seed: 3 }
        ]
    );
    assert!(trace
        .to_text()
        .contains("main waits on get from channel 'nobody'"));
    assert!(rt.take_trace().is_empty());
    // The next take numbers runs from 1 again.
    rt.run(async {});
    assert_eq!(
        rt.take_trace().events()[0].event,
        Event::Begin { run: 1, seed: 3 }
    );
}

#[test]
fn the_viewer_page_is_self_contained_and_embeds_the_trace() {
    let html = traced_exchange().to_html();
    assert!(html.starts_with("<!DOCTYPE html>"));
    for needle in [
        "id=\"event-desc\"",
        "id=\"step\"",
        "id=\"trace-data\"",
        "\"kind\": \"Handoff\"",
    ] {
        assert!(html.contains(needle), "{needle} missing");
    }
    for external in ["<link", " src=", "href=", "@import", "url(http"] {
        assert!(!html.contains(external), "the page loads {external}");
    }
    // Every event is in the JSON, each with its index.
    let n = traced_exchange().events().len();
    assert!(html.contains(&format!("{{\"i\": {}, ", n - 1)));
    assert!(!html.contains(&format!("{{\"i\": {n}, ")));
}

#[test]
fn a_channel_made_with_trace_values_shows_each_value_moved() {
    let ((), trace) = Runtime::builder()
        .virtual_time(true)
        .seed(1)
        .build()
        .run_traced(async {
            let c = Chan::fixed(1).named("box").trace_values();
            let putter = c.clone();
            let p = go(async move {
                putter.put("one").await;
                putter.put("two").await;
            });
            sleep(Duration::from_millis(10)).await;
            c.get().await;
            c.get().await;
            p.await;
        });
    let moves: Vec<String> = chan_story(&trace, "channel 'box'")
        .into_iter()
        .map(|(what, ..)| what)
        .filter(|what| !what.contains("queues"))
        .collect();
    assert_eq!(
        moves,
        [
            r#"task #1 puts into channel 'box': "one""#,
            r#"main gets from channel 'box': "one""#,
            r#"task #1 puts into channel 'box': "two""#,
            r#"main gets from channel 'box': "two""#,
        ]
    );
}

#[test]
fn the_svg_draws_waits_ends_and_the_effects_of_a_close() {
    let svg = traced_exchange().to_svg();
    assert!(svg.contains("<title>waits on get from channel 'jobs'</title>"));
    assert!(svg.contains("<title>waits on a timer</title>"));
    assert_eq!(svg.matches(">ends</text>").count(), 3, "producer, #2, main");
    assert!(svg.contains(">close</text>"));
    assert!(
        svg.contains(">None (closed)</text>"),
        "the get the close completed"
    );
    // Rows follow time: the three instants (0, 0.1 s, 0.2 s) are labelled once each.
    for t in ["0.000s", "0.100s", "0.200s"] {
        assert_eq!(svg.matches(&format!(">{t}</text>")).count(), 1, "{t}");
    }
}

#[test]
fn svg_boxes_are_as_wide_as_the_names_they_hold() {
    let ((), trace) = Runtime::builder()
        .virtual_time(true)
        .build()
        .run_traced(async {
            let long = "a task whose name is much longer than a box";
            aiochan::go_named(long, async {}).await;
        });
    let svg = trace.to_svg();
    let width_of_box = |name: &str| -> f64 {
        let text = svg
            .find(&format!(">{name}</text>"))
            .unwrap_or_else(|| panic!("{name} missing"));
        let rect = svg[..text].rfind("<rect ").unwrap();
        let w = &svg[rect..text];
        let w = &w[w.find("width=\"").unwrap() + 7..];
        w[..w.find('"').unwrap()].parse().unwrap()
    };
    let long = width_of_box("task 'a task whose name is much longer than a box'");
    assert!(long > 7.0 * 50.0, "{long}");
    assert!(width_of_box("main") < long / 2.0);
}
