//! `tlsbox server --www`: one HTTP/1.0 exchange per connection, as
//! `openssl s_server -www` answers, with the connection's JSON as the page.

use tokio::io::{AsyncRead, AsyncReadExt};

/// The most a request's head (request line and headers) may take.
pub const MAX_REQUEST: usize = 16 * 1024;
/// The most headers a request may carry.
const MAX_HEADERS: usize = 64;

/// What the client asked for.
#[derive(Debug, PartialEq, Eq)]
pub enum Request {
    /// `GET`: the status page.
    Get,
    /// Another method, answered with 405.
    Other(String),
    /// Not HTTP, too long, or cut short: answered with 400.
    Malformed,
}

/// Reads one request's head from `stream`, at most [`MAX_REQUEST`] bytes.
pub async fn read_request<R: AsyncRead + Unpin>(stream: &mut R) -> std::io::Result<Request> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        if let Some(request) = parse(&head) {
            return Ok(request);
        }
        if head.len() >= MAX_REQUEST {
            return Ok(Request::Malformed);
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(Request::Malformed);
        }
        head.extend_from_slice(&chunk[..n]);
    }
}

/// The request in `head`, once its head is complete or cannot be HTTP.
fn parse(head: &[u8]) -> Option<Request> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    match request.parse(head) {
        Ok(httparse::Status::Complete(_)) => Some(match request.method {
            Some("GET") => Request::Get,
            Some(method) => Request::Other(method.to_string()),
            None => Request::Malformed,
        }),
        Ok(httparse::Status::Partial) => None,
        Err(_) => Some(Request::Malformed),
    }
}

/// The whole response to `request`; a GET's body is `page` (JSON).
pub fn response(request: Request, page: &str) -> Vec<u8> {
    let (status, content_type, body) = match request {
        Request::Get => ("200 OK", "application/json", page.to_string()),
        Request::Other(method) => (
            "405 Method Not Allowed",
            "text/plain",
            format!("{method} is not served here: GET gets the status page\n"),
        ),
        Request::Malformed => (
            "400 Bad Request",
            "text/plain",
            "not an HTTP request\n".into(),
        ),
    };
    let allow = if status.starts_with("405") {
        "Allow: GET\r\n"
    } else {
        ""
    };
    format!(
        "HTTP/1.0 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{allow}Connection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_get_is_recognised_once_its_head_is_complete() {
        assert_eq!(parse(b"GET / HTTP/1.1\r\nHost: x\r\n"), None);
        assert_eq!(
            parse(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
            Some(Request::Get)
        );
        assert_eq!(
            parse(b"POST / HTTP/1.0\r\n\r\n"),
            Some(Request::Other("POST".into()))
        );
        assert_eq!(parse(b"\x16\x03\x01junk\r\n\r\n"), Some(Request::Malformed));
    }

    #[test]
    fn a_response_states_its_length() {
        let text = String::from_utf8(response(Request::Get, "{}\n")).unwrap();
        assert!(text.starts_with("HTTP/1.0 200 OK\r\n"), "{text}");
        assert!(text.contains("Content-Length: 3\r\n"), "{text}");
        assert!(text.ends_with("\r\n\r\n{}\n"), "{text}");
        let refused = String::from_utf8(response(Request::Other("PUT".into()), "")).unwrap();
        assert!(
            refused.contains("405") && refused.contains("Allow: GET"),
            "{refused}"
        );
    }
}
