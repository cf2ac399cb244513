//! A private, throwaway PostgreSQL cluster for fault tests: initialised in a temporary
//! directory on a free port, restarted or stopped at will, removed when dropped. Other tests
//! keep their shared server. Needs PostgreSQL's server programs (`initdb`, `pg_ctl`): found
//! through `ASL_TEST_PG_BIN`, `pg_config --bindir` or `/usr/lib/postgresql/*/bin`. Run as
//! root, the cluster runs as the `postgres` user (PostgreSQL refuses root).

use std::path::{Path, PathBuf};
use std::process::Command;

/// A running private cluster.
pub struct PrivateCluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    as_postgres: bool,
}

impl PrivateCluster {
    /// Starts one, or says why it cannot (`None`: skipped; a failure under
    /// `ASL_REQUIRE_SERVICES=1`).
    pub fn start(what: &str) -> Option<PrivateCluster> {
        let Some(bin) = pg_bin() else {
            if std::env::var("ASL_REQUIRE_SERVICES").is_ok_and(|v| v == "1") {
                panic!(
                    "ASL_REQUIRE_SERVICES=1 but PostgreSQL's initdb/pg_ctl are not found: {what} must run"
                );
            }
            eprintln!(
                "skipped: PostgreSQL's server programs (initdb, pg_ctl) are needed to run {what}; set ASL_TEST_PG_BIN"
            );
            return None;
        };
        let as_postgres = is_root();
        let dir = std::env::temp_dir().join(format!(
            "asl-pg-private-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        ));
        std::fs::create_dir_all(&dir).expect("temporary directory");
        if as_postgres {
            run(Command::new("chown").arg("postgres").arg(&dir), "chown");
        }
        let port = free_port();
        let cluster = PrivateCluster {
            bin,
            dir,
            port,
            as_postgres,
        };
        cluster.pg(
            "initdb",
            &["-A", "trust", "-U", "postgres", "-D", &cluster.data()],
        );
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on",
            cluster.dir.display()
        );
        let log = cluster.dir.join("log").display().to_string();
        cluster.pg(
            "pg_ctl",
            &[
                "-D",
                &cluster.data(),
                "-o",
                &options,
                "-l",
                &log,
                "-w",
                "start",
            ],
        );
        Some(cluster)
    }

    /// Its connection URL.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Restarts it with `pg_ctl restart -m fast` (open connections are closed, as in a
    /// database restart or a failover); returns once it accepts connections again.
    pub fn restart(&self) {
        // With its log file: the server must not hold this process's output pipes.
        let log = self.dir.join("log").display().to_string();
        self.pg(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-l",
                &log,
                "-m",
                "fast",
                "-w",
                "restart",
            ],
        );
    }

    fn data(&self) -> String {
        self.dir.join("data").display().to_string()
    }

    fn pg(&self, program: &str, args: &[&str]) {
        let path = self.bin.join(program);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        cmd.args(args).current_dir(&self.dir);
        run(&mut cmd, program);
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let path = self.bin.join("pg_ctl");
        let data = self.data();
        let args = ["-D", data.as_str(), "-m", "immediate", "stop"];
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        let _ = cmd.args(args).output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn pg_bin() -> Option<PathBuf> {
    let has = |p: &Path| p.join("pg_ctl").is_file() && p.join("initdb").is_file();
    if let Ok(p) = std::env::var("ASL_TEST_PG_BIN") {
        return Some(PathBuf::from(p)).filter(|p| has(p));
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let p = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && has(&p) {
            return Some(p);
        }
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| {
            let e = e.ok()?;
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            Some((v, e.path().join("bin")))
        })
        .filter(|(_, p)| has(p))
        .collect();
    found.sort();
    found.pop().map(|(_, p)| p)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}
