use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Instant;

use wasmtime::component::{
    Component, Linker, ResourceTable, Source, StreamConsumer, StreamReader, StreamResult,
};
use wasmtime::{Config, Engine, Store, StoreContextMut};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

struct State {
    wasi: WasiCtx,
    table: ResourceTable,
}
impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

struct Counter {
    total: Arc<AtomicUsize>,
    done: Option<tokio::sync::oneshot::Sender<()>>,
    copy: bool,
    sink: Vec<u8>,
}
impl Drop for Counter {
    fn drop(&mut self) {
        if let Some(d) = self.done.take() {
            let _ = d.send(());
        }
    }
}
impl StreamConsumer<State> for Counter {
    type Item = u8;
    fn poll_consume(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        store: StoreContextMut<State>,
        source: Source<'_, u8>,
        _finish: bool,
    ) -> Poll<wasmtime::Result<StreamResult>> {
        let mut direct = source.as_direct(store);
        let data = direct.remaining();
        let n = data.len();
        if self.copy {
            // what a socket write would cost: one copy out of guest memory
            let this = &mut *self;
            this.sink.clear();
            this.sink.extend_from_slice(data);
        } else {
            std::hint::black_box(data.first());
        }
        direct.mark_read(n);
        self.total.fetch_add(n, Ordering::Relaxed);
        Poll::Ready(Ok(StreamResult::Completed))
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> wasmtime::Result<()> {
    let mut config = Config::new();
    config.wasm_component_model_async(true);
    config.concurrency_support(true);
    let engine = Engine::new(&config)?;
    let component = Component::from_file(
        &engine,
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../guest/target/wasm32-wasip2/release/stream_u8_guest.wasm"
        ),
    )?;
    let mut linker = Linker::<State>::new(&engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    let mut store = Store::new(
        &engine,
        State {
            wasi: WasiCtx::builder().build(),
            table: ResourceTable::new(),
        },
    );
    let instance = linker.instantiate_async(&mut store, &component).await?;
    let iface = instance
        .get_export_index(&mut store, None, "test:pipe/pipe")
        .expect("iface");
    let idx = instance
        .get_export_index(&mut store, Some(&iface), "produce")
        .expect("produce");
    let func = instance.get_typed_func::<(u32,), (StreamReader<u8>,)>(&mut store, &idx)?;
    for copy in [false, true, false, true] {
        let total = Arc::new(AtomicUsize::new(0));
        let n: u32 = 1 << 30;
        let t = Instant::now();
        let total2 = total.clone();
        store
            .run_concurrent(async move |accessor| -> wasmtime::Result<()> {
                let (reader,) = func.call_concurrent(accessor, (n,)).await?;
                let (tx, rx) = tokio::sync::oneshot::channel();
                accessor.with(|store| {
                    reader.pipe(
                        store,
                        Counter {
                            total: total2,
                            done: Some(tx),
                            copy,
                            sink: Vec::new(),
                        },
                    )
                })?;
                let _ = rx.await;
                Ok(())
            })
            .await??;
        let s = t.elapsed().as_secs_f64();
        let got = total.load(Ordering::Relaxed);
        println!(
            "copy={copy}: {} MiB in {:.3}s = {:.0} MB/s",
            got >> 20,
            s,
            got as f64 / s / 1e6
        );
    }
    Ok(())
}
