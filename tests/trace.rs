//! Traces: the events of a run as a text timeline, Mermaid and SVG (insta snapshots).

use std::time::Duration;

use aiochan::{go, sleep, Chan, Event, Runtime};

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
