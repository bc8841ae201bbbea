mod bindings {
    use super::Component;
    wit_bindgen::generate!({ world: "streamer", path: "wit" });
    export!(Component);
}
use bindings::wit_stream;
use wit_bindgen::StreamReader;
struct Component;
impl bindings::exports::test::pipe::pipe::Guest for Component {
    async fn produce(n: u32) -> StreamReader<u8> {
        let (mut tx, rx) = wit_stream::new();
        wit_bindgen::spawn_local(async move {
            let mut left = n as usize;
            while left > 0 {
                let chunk = left.min(16384);
                let rest = tx.write_all(vec![0x5a; chunk]).await;
                if !rest.is_empty() {
                    break;
                }
                left -= chunk;
            }
        });
        rx
    }
}
