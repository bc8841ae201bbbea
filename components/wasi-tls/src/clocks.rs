//! The exported `wasi:clocks/monotonic-clock`: the host's clock, with its
//! pollables wrapped as this component's. It is exported because the
//! exported `wasi:sockets/tcp` refers to it, and because a consumer that
//! waits on a timer together with its sockets needs both pollables of one
//! type.

use crate::Provider;
use crate::bindings::exports::wasi::clocks::monotonic_clock as ours;
use crate::bindings::exports::wasi::io::poll;
use crate::bindings::wasi::clocks::monotonic_clock as host;
use crate::streams::Pollable;

impl ours::Guest for Provider {
    fn now() -> ours::Instant {
        host::now()
    }

    fn resolution() -> ours::Duration {
        host::resolution()
    }

    fn subscribe_instant(when: ours::Instant) -> poll::Pollable {
        Pollable::export(Pollable::Host(host::subscribe_instant(when)))
    }

    fn subscribe_duration(when: ours::Duration) -> poll::Pollable {
        Pollable::export(Pollable::Host(host::subscribe_duration(when)))
    }
}
