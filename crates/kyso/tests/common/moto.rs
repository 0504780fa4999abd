//! `moto_server` (PyPI), the S3 peer of the tests that keep blobs or
//! backups in a bucket.
use crate::common::{free_port, python};

/// `moto_server` (PyPI) on loopback, the S3 peer; killed when dropped.
pub struct Moto {
    child: std::process::Child,
    pub url: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn moto() -> Option<Moto> {
    let python = python()?;
    let exe = std::path::Path::new(&python)
        .parent()
        .unwrap()
        .join("moto_server");
    if !exe.is_file() {
        if std::env::var("KYSO_REQUIRE_PEERS").as_deref() == Ok("1") {
            panic!("moto_server is required (KYSO_REQUIRE_PEERS=1) but not in the test venv");
        }
        eprintln!("SKIP: moto_server not installed next to {python}");
        return None;
    }
    let port = free_port();
    let child = std::process::Command::new(exe)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start moto_server");
    let m = Moto {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let start = std::time::Instant::now();
    while reqwest::blocking::get(&m.url).is_err() {
        assert!(start.elapsed().as_secs() < 30, "moto_server did not start");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    Some(m)
}
