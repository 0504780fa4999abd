//! Shared helpers for the kyso end-to-end tests: run the binary, start
//! `kyso serve` on loopback, call openssl and pyHanko.
#![allow(dead_code)]

pub mod appearance;
pub mod lab;
pub mod ltv;
pub mod token;
pub mod verify;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const KYSO: &str = env!("CARGO_BIN_EXE_kyso");

/// Skip (return false) when a peer tool is missing, unless the suite is
/// run by scripts/test.sh (KYSO_REQUIRE_PEERS=1), where it must fail.
pub fn have(tool: &str) -> bool {
    let ok = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(tool).is_file()))
        .unwrap_or(false);
    if !ok {
        if std::env::var("KYSO_REQUIRE_PEERS").as_deref() == Ok("1") {
            panic!("{tool} is required (KYSO_REQUIRE_PEERS=1) but not found");
        }
        eprintln!("SKIP: {tool} not found");
    }
    ok
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A data directory and database for one kyso deployment.
pub struct Deployment {
    pub dir: tempfile::TempDir,
    pub db: String,
    pub port: u16,
    pub backend: &'static str,
}

impl Deployment {
    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Run `kyso ARGS…` against this deployment; panics with the output on failure.
    pub fn kyso(&self, args: &[&str]) -> Output {
        let out = self.kyso_raw(args);
        assert!(
            out.status.success(),
            "kyso {args:?} failed:\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    pub fn kyso_raw(&self, args: &[&str]) -> Output {
        Command::new(KYSO)
            .args(["--data", self.data().to_str().unwrap(), "--db", &self.db])
            .args(args)
            .env_remove("KYSO_KEY_PASSWORD")
            .env("KYSO_LOG", "warn")
            .output()
            .expect("run kyso")
    }

    /// Start `kyso serve` and wait until it answers.
    pub fn serve(&self) -> Server {
        self.serve_on(self.port)
    }

    pub fn serve_on(&self, port: u16) -> Server {
        self.serve_with(port, &[])
    }

    /// `kyso serve` on `port` with `extra` options.
    pub fn serve_with(&self, port: u16, extra: &[&str]) -> Server {
        self.serve_env(port, extra, &[])
    }

    /// `kyso serve` on `port` with `extra` options and environment `env`.
    pub fn serve_env(&self, port: u16, extra: &[&str], env: &[(&str, &str)]) -> Server {
        // Dropping the server kills and reaps the process.
        let mut server = Server {
            child: Command::new(KYSO)
                .args(["--data", self.data().to_str().unwrap(), "--db", &self.db])
                .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
                .args(extra)
                .envs(env.iter().copied())
                .env("KYSO_LOG", "warn")
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("start kyso serve"),
            port,
        };
        let stdout = server.child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().and_then(|l| l.ok()).unwrap_or_default();
        assert!(
            first.contains("serving"),
            "kyso serve did not start: {first}"
        );
        std::thread::spawn(move || for _ in lines {});
        let url = format!("http://127.0.0.1:{port}/healthz");
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20) {
            if reqwest::blocking::get(&url)
                .map(|r| r.status().is_success())
                .unwrap_or(false)
            {
                return server;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("kyso serve did not answer on {url}");
    }
}

pub struct Server {
    pub child: Child,
    pub port: u16,
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The deployments every end-to-end test runs on: SQLite always, and
/// PostgreSQL when KYSO_TEST_PG_URL is set (a fresh database each).
pub fn deployments() -> Vec<Deployment> {
    let mut v = vec![];
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}?mode=rwc", dir.path().join("kyso.db").display());
    v.push(Deployment {
        dir,
        db,
        port: free_port(),
        backend: "sqlite",
    });
    match std::env::var("KYSO_TEST_PG_URL") {
        Ok(admin) => {
            let name = format!("kyso_e2e_{}", hex::encode(rand_bytes()));
            let out = Command::new("psql")
                .args([&admin, "-q", "-c", &format!("CREATE DATABASE {name}")])
                .output()
                .expect("psql");
            assert!(
                out.status.success(),
                "CREATE DATABASE: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
            v.push(Deployment {
                dir: tempfile::tempdir().unwrap(),
                db: format!("{base}/{name}"),
                port: free_port(),
                backend: "postgres",
            });
        }
        Err(_) if std::env::var("KYSO_REQUIRE_PEERS").as_deref() == Ok("1") => {
            panic!("KYSO_TEST_PG_URL is required by scripts/test.sh")
        }
        Err(_) => eprintln!("NOTE: KYSO_TEST_PG_URL unset: PostgreSQL part skipped"),
    }
    v
}

fn rand_bytes() -> [u8; 6] {
    let mut b = [0u8; 6];
    kyso_crypto::random_bytes(&mut b).unwrap();
    b
}

/// Run a command in `dir`; returns (success, stdout+stderr).
pub fn run_in(dir: &Path, prog: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(prog)
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{prog}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

pub fn openssl(dir: &Path, args: &[&str]) -> String {
    let (ok, text) = run_in(dir, "openssl", args);
    assert!(ok, "openssl {args:?} failed:\n{text}");
    text
}

/// The test venv's Python (scripts/test.sh sets KYSO_TEST_PYTHON).
pub fn python() -> Option<String> {
    match std::env::var("KYSO_TEST_PYTHON") {
        Ok(p) => Some(p),
        Err(_) if std::env::var("KYSO_REQUIRE_PEERS").as_deref() == Ok("1") => {
            panic!("KYSO_TEST_PYTHON is required by scripts/test.sh")
        }
        Err(_) => {
            eprintln!("SKIP: KYSO_TEST_PYTHON unset: pyHanko checks skipped");
            None
        }
    }
}

pub fn post(url: &str, content_type: &str, body: Vec<u8>) -> (u16, Vec<u8>) {
    let r = reqwest::blocking::Client::new()
        .post(url)
        .header("content-type", content_type)
        .body(body)
        .send()
        .expect("POST");
    (r.status().as_u16(), r.bytes().unwrap().to_vec())
}

pub fn get(url: &str) -> (u16, Vec<u8>) {
    let r = reqwest::blocking::get(url).expect("GET");
    (r.status().as_u16(), r.bytes().unwrap().to_vec())
}

/// `openssl cms -verify` of the detached DER `p7s` over `content` (both in
/// `dir`) with the lab's root as the trust anchor: (verified, output).
pub fn openssl_cms_verify(dir: &Path, p7s: &str, content: &str) -> (bool, String) {
    run_in(
        dir,
        "openssl",
        &[
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            p7s,
            "-content",
            content,
            "-CAfile",
            "root.pem",
            "-certfile",
            "issuing.pem",
            "-out",
            "/dev/null",
            "-purpose",
            "any",
        ],
    )
}
