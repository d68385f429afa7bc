//! The anchors' last features: `timeout_future` (tokio's `time::timeout`), `select_then`
//! (core.async's `do-alts`), `select_blocking` (core.async's `alts!!`) and the error channel of
//! `parallel_pipe_try` (Python aiochan's `error_cb`).

use std::time::Duration;

use aiochan::{go, now, sleep, timeout_future, Chan, Elapsed, Runtime, TryGetError};

/// Runs `future` on a loop with virtual time.
fn run_virtual<F: std::future::Future>(future: F) -> F::Output {
    Runtime::builder()
        .virtual_time(true)
        .seed(7)
        .build()
        .run(future)
}

#[test]
fn timeout_future_gives_the_output_of_a_future_that_completes_in_time() {
    let (got, took) = run_virtual(async {
        let start = now();
        let c = Chan::new();
        let sender = c.clone();
        go(async move {
            sleep(Duration::from_millis(30)).await;
            sender.put(5).await;
        });
        let got = timeout_future(Duration::from_millis(100), c.get()).await;
        (got, now() - start)
    });
    assert_eq!(got, Ok(Some(5)));
    assert_eq!(took, Duration::from_millis(30));
}

#[test]
fn timeout_future_elapses_on_the_virtual_clock_and_drops_the_future() {
    let (got, took, left) = run_virtual(async {
        let start = now();
        let c = Chan::new();
        // The put waits for a get that never comes; the timeout drops it, withdrawing the value.
        let got = timeout_future(Duration::from_secs(60), c.put("late")).await;
        (got, now() - start, c.try_get())
    });
    assert_eq!(got, Err(Elapsed::after(Duration::from_secs(60))));
    assert_eq!(took, Duration::from_secs(60));
    assert_eq!(
        left,
        Err(TryGetError::Empty),
        "the dropped put left no value behind"
    );
}

#[test]
fn elapsed_is_an_error_that_says_how_long_was_waited() {
    let e = Elapsed::after(Duration::from_millis(250));
    assert_eq!(e.duration(), Duration::from_millis(250));
    assert_eq!(e.to_string(), "the future did not complete within 250ms");
    let boxed: Box<dyn std::error::Error> = Box::new(e);
    assert!(boxed.source().is_none());
}

#[test]
fn a_ready_future_wins_against_a_zero_timeout() {
    let got = run_virtual(async { timeout_future(Duration::ZERO, async { 1 }).await });
    assert_eq!(got, Ok(1));
}
