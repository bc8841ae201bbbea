//! `wasi:sockets/network` and `instance-network`: the network handle, and
//! the conversions of addresses and error codes between the host's types
//! and the exported ones.

use crate::Provider;
use crate::bindings::exports::wasi::sockets::{instance_network, network as ours};
use crate::bindings::wasi::sockets::{instance_network as host_instance, network as host};

/// An exported `network`: the host's.
pub struct Network(pub(crate) host::Network);

impl ours::GuestNetwork for Network {}

impl ours::Guest for Provider {
    type Network = Network;
}

impl instance_network::Guest for Provider {
    fn instance_network() -> ours::Network {
        ours::Network::new(Network(host_instance::instance_network()))
    }
}

/// The host network behind a borrowed exported one.
pub(crate) fn host_network<'a>(network: &'a ours::NetworkBorrow<'_>) -> &'a host::Network {
    &network.get::<Network>().0
}

/// Maps an enum value to the variant of the same name in the other copy of
/// the enum: the two are generated from one WIT definition, so the names
/// match one for one and a missing one is a compile error.
macro_rules! same_variant {
    ($value:expr, $from:ident => $to:ident, [$($variant:ident),* $(,)?]) => {
        match $value {
            $($from::$variant => $to::$variant,)*
        }
    };
}
pub(crate) use same_variant;

/// The host's error code, as ours.
pub(crate) fn error_code(code: host::ErrorCode) -> ours::ErrorCode {
    use host::ErrorCode as H;
    use ours::ErrorCode as O;
    same_variant!(code, H => O, [
        Unknown, AccessDenied, NotSupported, InvalidArgument, OutOfMemory, Timeout,
        ConcurrencyConflict, NotInProgress, WouldBlock, InvalidState, NewSocketLimit,
        AddressNotBindable, AddressInUse, RemoteUnreachable, ConnectionRefused,
        ConnectionReset, ConnectionAborted, DatagramTooLarge, NameUnresolvable,
        TemporaryResolverFailure, PermanentResolverFailure,
    ])
}

/// Our address family, as the host's.
pub(crate) fn to_host_family(family: ours::IpAddressFamily) -> host::IpAddressFamily {
    use host::IpAddressFamily as H;
    use ours::IpAddressFamily as O;
    same_variant!(family, O => H, [Ipv4, Ipv6])
}

/// The host's address family, as ours.
pub(crate) fn from_host_family(family: host::IpAddressFamily) -> ours::IpAddressFamily {
    use host::IpAddressFamily as H;
    use ours::IpAddressFamily as O;
    same_variant!(family, H => O, [Ipv4, Ipv6])
}

/// The host's IP address, as ours (the tuples are plain data, the same
/// Rust type on both sides).
pub(crate) fn from_host_ip(address: host::IpAddress) -> ours::IpAddress {
    match address {
        host::IpAddress::Ipv4(a) => ours::IpAddress::Ipv4(a),
        host::IpAddress::Ipv6(a) => ours::IpAddress::Ipv6(a),
    }
}

/// Our socket address, as the host's.
pub(crate) fn to_host_socket_address(address: ours::IpSocketAddress) -> host::IpSocketAddress {
    match address {
        ours::IpSocketAddress::Ipv4(a) => host::IpSocketAddress::Ipv4(host::Ipv4SocketAddress {
            port: a.port,
            address: a.address,
        }),
        ours::IpSocketAddress::Ipv6(a) => host::IpSocketAddress::Ipv6(host::Ipv6SocketAddress {
            port: a.port,
            flow_info: a.flow_info,
            address: a.address,
            scope_id: a.scope_id,
        }),
    }
}

/// The host's socket address, as ours.
pub(crate) fn from_host_socket_address(address: host::IpSocketAddress) -> ours::IpSocketAddress {
    match address {
        host::IpSocketAddress::Ipv4(a) => ours::IpSocketAddress::Ipv4(ours::Ipv4SocketAddress {
            port: a.port,
            address: a.address,
        }),
        host::IpSocketAddress::Ipv6(a) => ours::IpSocketAddress::Ipv6(ours::Ipv6SocketAddress {
            port: a.port,
            flow_info: a.flow_info,
            address: a.address,
            scope_id: a.scope_id,
        }),
    }
}
