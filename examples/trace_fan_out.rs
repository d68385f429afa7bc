//! Traces the tutorial's fan-out program (three producers, three consumers, one channel) under
//! virtual time and renders it: `cargo run --example trace_fan_out -- [out.svg | out.html]` writes
//! an SVG sequence diagram (default `fan-out.svg`) where each hand-off is an arrow from a producer
//! into the channel and on to a consumer, or, for a path ending in `.html`, the trace viewer page
//! that steps through the run; and prints the Mermaid version.

use std::time::Duration;

use aiochan::{go_named, sleep, Chan, Runtime, Trace};

async fn producer(c: Chan<String>, tag: String) {
    let mut i = 0;
    loop {
        sleep(Duration::from_millis(100)).await;
        i += 1;
        if !c.put(format!("product {i} from {tag}")).await {
            break;
        }
    }
}

async fn consumer(c: Chan<String>) {
    while c.get().await.is_some() {}
}

/// The fan-out run, traced (virtual time, seed 1). The browser test of the viewer
/// (tests/trace_browser.rs) steps through this same run.
pub fn fan_out_trace() -> Trace {
    let rt = Runtime::builder().virtual_time(true).seed(1).build();
    let ((), trace) = rt.run_traced(async {
        // `trace_values`: the trace says which product each hand-off moved.
        let c = Chan::new().named("products").trace_values();
        for i in 0..3 {
            go_named(format!("p{i}"), producer(c.clone(), format!("p{i}")));
        }
        for i in 0..3 {
            go_named(format!("c{i}"), consumer(c.clone()));
        }
        // Two rounds of products are enough to see the pattern.
        sleep(Duration::from_millis(250)).await;
        c.close();
        sleep(Duration::from_millis(100)).await;
    });
    trace
}

#[allow(dead_code)] // the browser test includes this file for `fan_out_trace` only
fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "fan-out.svg".to_string());
    let trace = fan_out_trace();
    let page = if path.ends_with(".html") {
        trace.to_html()
    } else {
        trace.to_svg()
    };
    std::fs::write(&path, page).unwrap_or_else(|e| panic!("cannot write {path}: {e}"));
    println!("{}", trace.to_mermaid());
    eprintln!("wrote {path}");
}
