//! `wasi:sockets/tcp` and `tcp-create-socket`, forwarded to the host's
//! sockets; a connection's streams come back as this component's streams.

use super::network::{
    error_code, from_host_family, from_host_socket_address, host_network, same_variant,
    to_host_family, to_host_socket_address,
};
use crate::Provider;
use crate::bindings::exports::wasi::io::{poll, streams};
use crate::bindings::exports::wasi::sockets::{tcp as ours, tcp_create_socket};
use crate::bindings::wasi::io::streams as host_streams;
use crate::bindings::wasi::sockets::{tcp as host, tcp_create_socket as host_create};
use crate::streams::{Input, Output, Pollable};

/// An exported `tcp-socket`: the host's.
pub struct TcpSocket(host::TcpSocket);

/// What an operation answers, with the host's error code made ours.
type Answer<T> = Result<T, ours::ErrorCode>;

/// The host's streams of a connection, as exported ones: passed through.
fn export_streams(
    (input, output): (host_streams::InputStream, host_streams::OutputStream),
) -> (streams::InputStream, streams::OutputStream) {
    (
        streams::InputStream::new(Input::Host(input)),
        streams::OutputStream::new(Output::Host(output)),
    )
}

impl ours::GuestTcpSocket for TcpSocket {
    fn start_bind(
        &self,
        network: ours::NetworkBorrow<'_>,
        local_address: ours::IpSocketAddress,
    ) -> Answer<()> {
        let address = to_host_socket_address(local_address);
        self.0
            .start_bind(host_network(&network), address)
            .map_err(error_code)
    }

    fn finish_bind(&self) -> Answer<()> {
        self.0.finish_bind().map_err(error_code)
    }

    fn start_connect(
        &self,
        network: ours::NetworkBorrow<'_>,
        remote_address: ours::IpSocketAddress,
    ) -> Answer<()> {
        let address = to_host_socket_address(remote_address);
        self.0
            .start_connect(host_network(&network), address)
            .map_err(error_code)
    }

    fn finish_connect(&self) -> Answer<(streams::InputStream, streams::OutputStream)> {
        self.0
            .finish_connect()
            .map(export_streams)
            .map_err(error_code)
    }

    fn start_listen(&self) -> Answer<()> {
        self.0.start_listen().map_err(error_code)
    }

    fn finish_listen(&self) -> Answer<()> {
        self.0.finish_listen().map_err(error_code)
    }

    fn accept(&self) -> Answer<(ours::TcpSocket, streams::InputStream, streams::OutputStream)> {
        let (socket, input, output) = self.0.accept().map_err(error_code)?;
        let (input, output) = export_streams((input, output));
        Ok((ours::TcpSocket::new(TcpSocket(socket)), input, output))
    }

    fn local_address(&self) -> Answer<ours::IpSocketAddress> {
        self.0
            .local_address()
            .map(from_host_socket_address)
            .map_err(error_code)
    }

    fn remote_address(&self) -> Answer<ours::IpSocketAddress> {
        self.0
            .remote_address()
            .map(from_host_socket_address)
            .map_err(error_code)
    }

    fn is_listening(&self) -> bool {
        self.0.is_listening()
    }

    fn address_family(&self) -> ours::IpAddressFamily {
        from_host_family(self.0.address_family())
    }

    fn set_listen_backlog_size(&self, value: u64) -> Answer<()> {
        self.0.set_listen_backlog_size(value).map_err(error_code)
    }

    fn keep_alive_enabled(&self) -> Answer<bool> {
        self.0.keep_alive_enabled().map_err(error_code)
    }

    fn set_keep_alive_enabled(&self, value: bool) -> Answer<()> {
        self.0.set_keep_alive_enabled(value).map_err(error_code)
    }

    fn keep_alive_idle_time(&self) -> Answer<ours::Duration> {
        self.0.keep_alive_idle_time().map_err(error_code)
    }

    fn set_keep_alive_idle_time(&self, value: ours::Duration) -> Answer<()> {
        self.0.set_keep_alive_idle_time(value).map_err(error_code)
    }

    fn keep_alive_interval(&self) -> Answer<ours::Duration> {
        self.0.keep_alive_interval().map_err(error_code)
    }

    fn set_keep_alive_interval(&self, value: ours::Duration) -> Answer<()> {
        self.0.set_keep_alive_interval(value).map_err(error_code)
    }

    fn keep_alive_count(&self) -> Answer<u32> {
        self.0.keep_alive_count().map_err(error_code)
    }

    fn set_keep_alive_count(&self, value: u32) -> Answer<()> {
        self.0.set_keep_alive_count(value).map_err(error_code)
    }

    fn hop_limit(&self) -> Answer<u8> {
        self.0.hop_limit().map_err(error_code)
    }

    fn set_hop_limit(&self, value: u8) -> Answer<()> {
        self.0.set_hop_limit(value).map_err(error_code)
    }

    fn receive_buffer_size(&self) -> Answer<u64> {
        self.0.receive_buffer_size().map_err(error_code)
    }

    fn set_receive_buffer_size(&self, value: u64) -> Answer<()> {
        self.0.set_receive_buffer_size(value).map_err(error_code)
    }

    fn send_buffer_size(&self) -> Answer<u64> {
        self.0.send_buffer_size().map_err(error_code)
    }

    fn set_send_buffer_size(&self, value: u64) -> Answer<()> {
        self.0.set_send_buffer_size(value).map_err(error_code)
    }

    fn subscribe(&self) -> poll::Pollable {
        Pollable::export(Pollable::Host(self.0.subscribe()))
    }

    fn shutdown(&self, shutdown_type: ours::ShutdownType) -> Answer<()> {
        use host::ShutdownType as H;
        use ours::ShutdownType as O;
        let how = same_variant!(shutdown_type, O => H, [Receive, Send, Both]);
        self.0.shutdown(how).map_err(error_code)
    }
}

impl ours::Guest for Provider {
    type TcpSocket = TcpSocket;
}

impl tcp_create_socket::Guest for Provider {
    fn create_tcp_socket(
        address_family: tcp_create_socket::IpAddressFamily,
    ) -> Answer<ours::TcpSocket> {
        host_create::create_tcp_socket(to_host_family(address_family))
            .map(|socket| ours::TcpSocket::new(TcpSocket(socket)))
            .map_err(error_code)
    }
}
