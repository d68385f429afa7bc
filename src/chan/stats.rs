//! `ChanStats`: what a channel has delivered and whether it is backed up (aiochan's `ChanStat`).

/// Whether operations are waiting on a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChanState {
    /// Puts are waiting for gets: the consumers are the bottleneck.
    PendingPuts,
    /// Gets are waiting for puts: the producers are the bottleneck.
    PendingGets,
    /// Nothing waits: values flow, through the buffer or not at all.
    Fluent,
}

/// A snapshot of a channel's counters, for finding bottlenecks and debugging back-pressure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChanStats {
    /// Which side, if any, is waiting.
    pub state: ChanState,
    /// Values a get took from the buffer.
    pub buffered: u64,
    /// Values handed to a get that had been waiting.
    pub queued: u64,
    /// Values a get took straight from a waiting put.
    pub immediate: u64,
}
