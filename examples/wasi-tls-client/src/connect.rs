//! Opening a TCP connection with `wasi:sockets`: the host part of
//! `HOST:PORT` is an IP address or a name to look up, and each of its
//! addresses is tried in turn until one connects.

use alloc::vec::Vec;
use core::net::IpAddr;

use crate::bindings::wasi::io::streams::{InputStream, OutputStream};
use crate::bindings::wasi::sockets::instance_network::instance_network;
use crate::bindings::wasi::sockets::ip_name_lookup::resolve_addresses;
use crate::bindings::wasi::sockets::network::{
    ErrorCode, IpAddress, IpAddressFamily, IpSocketAddress, Ipv4SocketAddress, Ipv6SocketAddress,
    Network,
};
use crate::bindings::wasi::sockets::tcp::TcpSocket;
use crate::bindings::wasi::sockets::tcp_create_socket::create_tcp_socket;

/// A connected socket and its streams (which must be dropped before it).
pub type Connection = (TcpSocket, InputStream, OutputStream);

/// Connects to `target` (`HOST:PORT`, an IPv6 HOST in brackets).
pub fn connect(target: &str) -> Result<Connection, ()> {
    let (host, port) = target.rsplit_once(':').ok_or(())?;
    let port: u16 = port.parse().map_err(|_| ())?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let network = instance_network();
    let addresses = match host.parse::<IpAddr>() {
        Ok(ip) => Vec::from([ip_address(ip)]),
        Err(_) => look_up(&network, host)?,
    };
    addresses
        .into_iter()
        .find_map(|address| connect_to(&network, socket_address(address, port)).ok())
        .ok_or(())
}

/// The addresses of `name`, waiting for the resolver as needed.
fn look_up(network: &Network, name: &str) -> Result<Vec<IpAddress>, ()> {
    let stream = resolve_addresses(network, name).map_err(|_| ())?;
    let mut addresses = Vec::new();
    loop {
        match stream.resolve_next_address() {
            Ok(Some(address)) => addresses.push(address),
            Ok(None) => return Ok(addresses),
            Err(ErrorCode::WouldBlock) => stream.subscribe().block(),
            Err(_) => return Err(()),
        }
    }
}

/// Connects one socket to `address`, waiting for the connection.
fn connect_to(network: &Network, address: IpSocketAddress) -> Result<Connection, ErrorCode> {
    let family = match address {
        IpSocketAddress::Ipv4(_) => IpAddressFamily::Ipv4,
        IpSocketAddress::Ipv6(_) => IpAddressFamily::Ipv6,
    };
    let socket = create_tcp_socket(family)?;
    socket.start_connect(network, address)?;
    loop {
        match socket.finish_connect() {
            Ok((input, output)) => return Ok((socket, input, output)),
            // The pollable is a child of the socket: dropped at once.
            Err(ErrorCode::WouldBlock) => socket.subscribe().block(),
            Err(e) => return Err(e),
        }
    }
}

/// `ip` as `wasi:sockets` spells it.
fn ip_address(ip: IpAddr) -> IpAddress {
    match ip {
        IpAddr::V4(ip) => {
            let [a, b, c, d] = ip.octets();
            IpAddress::Ipv4((a, b, c, d))
        }
        IpAddr::V6(ip) => {
            let [a, b, c, d, e, f, g, h] = ip.segments();
            IpAddress::Ipv6((a, b, c, d, e, f, g, h))
        }
    }
}

/// `address` with `port`.
fn socket_address(address: IpAddress, port: u16) -> IpSocketAddress {
    match address {
        IpAddress::Ipv4(address) => IpSocketAddress::Ipv4(Ipv4SocketAddress { port, address }),
        IpAddress::Ipv6(address) => IpSocketAddress::Ipv6(Ipv6SocketAddress {
            port,
            flow_info: 0,
            address,
            scope_id: 0,
        }),
    }
}
