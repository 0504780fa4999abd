//! `kyso serve` and `kyso demo`.
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context as _, Result};
use clap::Args;
use kyso_ca::Ca;

use crate::ca_cmd::{self, InitArgs};
use crate::context::Context;

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
}

#[derive(Args)]
pub struct DemoArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
}

pub async fn serve(ctx: &Context, a: ServeArgs) -> Result<()> {
    let ca = ctx.open_ca().await?;
    run_server(ca, a.listen).await
}

pub async fn demo(ctx: &Context, a: DemoArgs) -> Result<()> {
    let ca = if ctx.config_path().exists() {
        ctx.open_ca().await?
    } else {
        let args = InitArgs::demo(format!("http://{}", a.listen));
        ca_cmd::init(ctx, args).await?
    };
    run_server(ca, a.listen).await
}

async fn run_server(ca: Ca, listen: SocketAddr) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    let base = ca.config().base_url.trim_end_matches('/').to_string();
    println!("kyso đang phục vụ / kyso is serving on http://{addr}");
    println!("  CA gốc / root CA:        {base}/pki/root.crt");
    println!("  CA cấp / issuing CA:     {base}/pki/issuing.crt");
    println!("  CRL:                     {base}/pki/issuing.crl  {base}/pki/root.crl");
    println!("  OCSP:                    {base}/ocsp");
    println!("  TSA (RFC 3161):          {base}/tsa");
    println!("Dừng bằng Ctrl-C / stop with Ctrl-C.");
    use std::io::Write;
    std::io::stdout().flush()?;
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    kyso_server::serve(listener, Arc::new(ca), shutdown).await?;
    Ok(())
}
