//! The marker that keeps a `Chan` on its loop's thread, named so that the compiler's error says what
//! to use instead.

use std::fmt;
use std::marker::PhantomData;

/// Makes the type holding it `!Send` and `!Sync`. Its only use is its name in compiler errors: moving
/// a [`Chan`](super::Chan) to another thread fails with "`*const
/// UseChanSenderOrHandleToReachALoopFromAnotherThread` cannot be sent between threads safely",
/// which points to [`ChanSender`](super::ChanSender) (from [`Chan::sender`](super::Chan::sender))
/// and [`Handle`](crate::Handle) rather than to the channel's inner state.
pub(crate) struct LoopLocal(PhantomData<*const UseChanSenderOrHandleToReachALoopFromAnotherThread>);

impl LoopLocal {
    /// The marker.
    pub(crate) const fn new() -> LoopLocal {
        LoopLocal(PhantomData)
    }
}

impl fmt::Debug for LoopLocal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LoopLocal")
    }
}

/// Never made: a name for compiler errors. A [`Chan`](super::Chan) lives on the thread of its loop;
/// from another thread, put into it with a [`ChanSender`](super::ChanSender)
/// ([`Chan::sender`](super::Chan::sender)), drain it with a [`ChanIter`](super::ChanIter)
/// ([`Chan::to_iter`](super::Chan::to_iter)), or spawn a task onto its loop with a
/// [`Handle`](crate::Handle).
#[allow(missing_debug_implementations)]
pub enum UseChanSenderOrHandleToReachALoopFromAnotherThread {}
