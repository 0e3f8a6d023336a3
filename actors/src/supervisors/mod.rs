//! Background jobs, one supervisor actor per job, each in its own file and scheduled with
//! `run_interval`.

pub mod heartbeat_verifier;
pub mod message_cleaner;
pub mod message_saver;
pub mod pat_cleaner;
pub mod rebalance_timer;
pub mod sysinfo_printer;

use actix::prelude::*;
use log::warn;
use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

/// Starts `round` every `interval`; a tick that comes while the previous round still runs
/// is skipped (with a warning naming the job) rather than started beside it.
pub(crate) fn run_rounds<A, F, Fut>(
    ctx: &mut Context<A>,
    interval: Duration,
    job: &'static str,
    mut round: F,
) where
    A: Actor<Context = Context<A>>,
    F: FnMut(&mut A) -> Fut + 'static,
    Fut: Future<Output = ()> + 'static,
{
    let busy = Rc::new(Cell::new(false));
    ctx.run_interval(interval, move |act, ctx| {
        if busy.get() {
            warn!("{job}: the previous round is still running, this one is skipped");
            return;
        }
        busy.set(true);
        let (busy, work) = (busy.clone(), round(act));
        ctx.spawn(fut::wrap_future(async move {
            work.await;
            busy.set(false);
        }));
    });
}
