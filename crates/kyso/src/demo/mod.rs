//! `kyso demo`: a whole province to try kyso on. The first run (a data
//! directory without an office) makes the CA, then — through the office's
//! own use cases — the province's agencies, people in every role with
//! one demo password, seal keys and organization certificates, the
//! approvers' personal keys in software tokens with their certificates,
//! starts one signing agent per approver, and makes a dozen documents in
//! every state, the approvals signed through those agents. Every run
//! prints the URL, the logins and the agents, and serves the office with
//! the agents beside it. What the demo remembers is in `DATA/demo/`.

mod agents;
mod documents;
mod images;
mod keys;
mod province;
mod seed;
mod state;

use std::collections::BTreeMap;
use std::net::SocketAddr;

use anyhow::{bail, Result};
use clap::Args;

use crate::ca_cmd::{self, InitArgs};
use crate::context::Context;
use crate::serve_cmd::{self, OfficeArgs};
use state::{DemoState, KeyHolder};

#[derive(Args)]
pub struct DemoArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    #[command(flatten)]
    office: OfficeArgs,
    /// Port of the first approver's signing agent; the others follow
    /// (0: any free ports).
    #[arg(long, default_value_t = 8765)]
    agent_port: u16,
    /// Where the first run makes the approvers' keys: SoftHSM2 tokens
    /// when installed (auto), or encrypted key files.
    #[arg(long, value_enum, default_value = "auto")]
    demo_keys: keys::KeyStore,
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
    let host = rest.split('/').next().unwrap_or(rest);
    format!(
        "{}://{}",
        scheme.to_ascii_lowercase(),
        host.to_ascii_lowercase()
    )
}

pub async fn run(ctx: &Context, a: DemoArgs) -> Result<()> {
    let ca = if ctx.config_path().exists() {
        ctx.open_ca().await?
    } else {
        let args = InitArgs::demo(format!("http://{}", a.listen));
        ca_cmd::init(ctx, args).await?
    };
    let app = serve_cmd::office_state(ctx, ca, &a.office)?;
    let data = std::path::absolute(&ctx.data)?;
    let base = app.ca.config().base_url.trim_end_matches('/').to_string();
    let origin = origin_of(&base);
    let mut origins = vec![
        origin.clone(),
        format!("http://{}", a.listen),
        format!("http://localhost:{}", a.listen.port()),
    ];
    origins.dedup();
    let marker = state::dir(&data).join("seeding");
    let (demo, agents) = match DemoState::load(&data)? {
        Some(s) if s.complete => {
            let agents = start_agents(&data, &s, a.agent_port, &origins).await?;
            (s, agents)
        }
        Some(_) => bail!(interrupted(&data)),
        None if marker.exists() => bail!(interrupted(&data)),
        None => {
            eprintln!("kyso demo: lần chạy đầu — tạo tỉnh Ninh Bình thử nghiệm / first run — seeding the demo province (under a minute)…");
            let module = keys::choose(a.demo_keys)?;
            std::fs::create_dir_all(state::dir(&data))?;
            std::fs::write(&marker, b"seeding\n")?;
            let (mut s, ids) = seed::province(&data, &app.office, module.as_deref()).await?;
            s.save(&data)?;
            let agents = start_agents(&data, &s, a.agent_port, &origins).await?;
            let urls: BTreeMap<String, String> = agents
                .iter()
                .map(|g| (g.username.clone(), g.url.clone()))
                .collect();
            let docs = documents::Maker::new(&app.office, &ids, &s.password, &urls, &origin)
                .all()
                .await?;
            eprintln!("kyso demo: {} văn bản / documents made", docs.len());
            s.complete = true;
            s.save(&data)?;
            std::fs::remove_file(&marker)?;
            (s, agents)
        }
    };
    print_demo(&demo, &agents, &base, &data);
    // The agents live as long as this function: they stop with the server.
    let r = serve_cmd::run_server(app, a.listen, &a.office).await;
    drop(agents);
    r
}

fn interrupted(data: &std::path::Path) -> String {
    format!(
        "lần tạo dữ liệu demo trước bị ngắt; xóa {} và chạy lại / the demo's first run was interrupted: delete {} and run `kyso demo` again",
        data.display(),
        data.display()
    )
}

async fn start_agents(
    data: &std::path::Path,
    s: &DemoState,
    first_port: u16,
    origins: &[String],
) -> Result<Vec<agents::RunningAgent>> {
    let mut v = Vec::new();
    for (i, ap) in s.approvers.iter().enumerate() {
        let port = if first_port == 0 {
            0
        } else {
            first_port.saturating_add(i as u16)
        };
        v.push(agents::start(data, ap, port, origins).await?);
    }
    Ok(v)
}

fn print_demo(s: &DemoState, agents: &[agents::RunningAgent], base: &str, data: &std::path::Path) {
    let bar = "=".repeat(78);
    println!("{bar}");
    println!("kyso demo — tỉnh Ninh Bình, dữ liệu thử nghiệm / demo data");
    println!("  Đăng nhập / log in:  {base}/login   API: {base}/api/v1/  ({base}/api/docs)");
    println!("  !!! MẬT KHẨU DEMO (mọi tài khoản) — CHỈ ĐỂ THỬ / DEMO PASSWORD (every account) — DEMO ONLY: {}", s.password);
    println!(
        "      (lưu tại / kept in {})",
        state::dir(data).join("demo.json").display()
    );
    println!("  Tài khoản / logins (user — name — role @ agency):");
    for l in &s.logins {
        let roles: Vec<String> = l.roles.iter().map(|(r, a)| format!("{r} @ {a}")).collect();
        println!(
            "    login {:<20} {:<22} {}",
            l.username,
            l.full_name,
            roles.join("; ")
        );
    }
    let kind = match s.approvers.first().map(|a| &a.holder) {
        Some(KeyHolder::Softhsm { .. }) => "SoftHSM2",
        _ => "encrypted key files",
    };
    println!(
        "  Agent ký số của người duyệt / the approvers' signing agents — KÝ TỰ ĐỘNG, KHÓA DEMO / UNATTENDED, demo keys ({kind}):"
    );
    for (ap, g) in s.approvers.iter().zip(agents) {
        println!(
            "    agent {:<20} {:<22} {}  ({})",
            ap.username, ap.full_name, g.url, ap.agency
        );
    }
    let first = s.approvers.first();
    let (user, url) = match (first, agents.first()) {
        (Some(ap), Some(g)) => (ap.username.as_str(), g.url.as_str()),
        _ => ("chutich", "http://127.0.0.1:8765"),
    };
    println!("  Ký duyệt bằng agent / approve with the agent (as the document's approver):");
    println!("    export KYSO_SERVER={base} KYSO_PASSWORD={}", s.password);
    println!("    export KYSO_API_TOKEN=$(kyso doc login --user {user})");
    println!("    kyso doc list --state submitted");
    println!("    kyso doc approve-agent ID --agent {url}");
    println!(
        "    (hoặc trang / or the page {base}/sign với địa chỉ agent / with the agent's address)"
    );
    println!("{bar}");
}
