//! A running `kyso demo` on loopback and what it printed: the demo
//! password, the logins with their roles and the approvers' agents. Used by
//! demo_e2e.rs and web_ui.rs (included by path).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A running `kyso demo`, stopped (with its agents) when dropped.
pub struct Demo {
    child: Child,
    pub base: String,
    pub password: String,
    /// user name → roles line.
    pub logins: BTreeMap<String, String>,
    /// approver → agent URL.
    pub agents: BTreeMap<String, String>,
    pub printed: String,
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `kyso KYSO --data DATA demo --listen 127.0.0.1:PORT` with
/// `extra` arguments and waits until it serves (seeding an empty data
/// directory can take minutes).
pub fn start(kyso: &str, data: &Path, port: u16, extra: &[&str]) -> Demo {
    let mut child = Command::new(kyso)
        .args(["--data", data.to_str().unwrap()])
        .args(["demo", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--agent-port", "0"])
        .args(extra)
        .env_remove("KYSO_KEY_PASSWORD")
        .env("KYSO_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start kyso demo");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for l in BufReader::new(stdout).lines() {
            let Ok(l) = l else { break };
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    let mut printed = String::new();
    let until = Instant::now() + Duration::from_secs(300);
    loop {
        let left = until.saturating_duration_since(Instant::now());
        let l = rx
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("kyso demo did not start:\n{printed}"));
        printed.push_str(&l);
        printed.push('\n');
        if l.contains("is serving on") {
            break;
        }
    }
    std::thread::spawn(move || for _ in rx {});
    let base = format!("http://127.0.0.1:{port}");
    let start = Instant::now();
    while reqwest::blocking::get(format!("{base}/healthz"))
        .map_or(true, |r| !r.status().is_success())
    {
        assert!(start.elapsed() < Duration::from_secs(30), "no /healthz");
        std::thread::sleep(Duration::from_millis(100));
    }
    let password = printed
        .lines()
        .find_map(|l| {
            l.split_once("DEMO ONLY: ")
                .map(|(_, p)| p.trim().to_string())
        })
        .expect("the demo password is printed");
    let mut logins = BTreeMap::new();
    let mut agents = BTreeMap::new();
    for l in printed.lines() {
        let t = l.trim_start();
        if let Some(rest) = t.strip_prefix("login ") {
            let (user, roles) = rest.split_once(' ').unwrap();
            logins.insert(user.to_string(), roles.trim().to_string());
        }
        if let Some(rest) = t.strip_prefix("agent ") {
            let user = rest.split_whitespace().next().unwrap().to_string();
            let url = rest
                .split_whitespace()
                .find(|w| w.starts_with("http://"))
                .unwrap()
                .to_string();
            agents.insert(user, url);
        }
    }
    Demo {
        child,
        base,
        password,
        logins,
        agents,
        printed,
    }
}
