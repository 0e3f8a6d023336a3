//! `Timed<M>`: any message of an actor, answered together with when the actor worked on it
//! (and, for the metadata actor, which log entries it appended). The edges send it instead
//! of `M` only when they trace the request, to make the actor's work a child span of the
//! request; otherwise they send `M` itself and nothing here runs.
//!
//! The wrapper works for every message whatever its handler answers (a value, a future, an
//! atomic future): it runs the actor's own handler and waits for its answer on the oneshot
//! channel actix would use for the caller.

use actix::dev::MessageResponse;
use actix::prelude::*;
use std::ops::Range;
use std::time::SystemTime;
use tokio::sync::oneshot;

/// `M`, to be answered with the work it took.
pub struct Timed<M>(pub M);

/// What the actor did for one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Work {
    /// When the actor took the message from its mailbox.
    pub started: SystemTime,
    /// When its answer was ready.
    pub finished: SystemTime,
    /// The metadata-log indexes appended while serving it (metadata actor only; empty when
    /// nothing was logged).
    pub logged: Range<u64>,
}

/// The answer of `M` and the work behind it.
#[derive(Debug)]
pub struct Worked<R> {
    pub result: R,
    pub work: Work,
}

impl<M> Message for Timed<M>
where
    M: Message,
    M::Result: Send,
{
    /// `None` when the actor dropped the answer (it stopped while serving it).
    type Result = Option<Worked<M::Result>>;
}

/// Runs the actor's handler of `msg`; the receiver yields its answer once it is ready.
pub(crate) fn serve<A, M>(
    actor: &mut A,
    msg: M,
    ctx: &mut Context<A>,
) -> (SystemTime, oneshot::Receiver<M::Result>)
where
    A: Actor<Context = Context<A>> + Handler<M>,
    M: Message + Send + 'static,
    M::Result: Send,
{
    let started = SystemTime::now();
    let (tx, rx) = oneshot::channel();
    let response = <A as Handler<M>>::handle(actor, msg, ctx);
    response.handle(ctx, Some(tx));
    (started, rx)
}

/// The answer of `rx` with its timing; `logged` as the caller measured it.
pub(crate) async fn finish<R>(
    started: SystemTime,
    rx: oneshot::Receiver<R>,
) -> Option<(R, SystemTime, SystemTime)> {
    let result = rx.await.ok()?;
    Some((result, started, SystemTime::now()))
}

impl<R> Worked<R> {
    pub(crate) fn new(
        (result, started, finished): (R, SystemTime, SystemTime),
        logged: Range<u64>,
    ) -> Self {
        Worked {
            result,
            work: Work {
                started,
                finished,
                logged,
            },
        }
    }
}
