//! A throwaway PostgreSQL cluster on a loopback port in a temp folder, for running the core
//! suite against a real server. PostgreSQL refuses to run as root, so as root its tools run as
//! the `postgres` user.

use std::path::PathBuf;
use std::process::Command;

pub struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    as_postgres: bool,
    pub url: String,
    /// Set for a cluster started with `ssl=on`.
    pub tls: Option<Tls>,
}

/// A TLS cluster's certificates, made for the run by openssl: the server's is signed by `ca`
/// for `localhost` and 127.0.0.1; `other_ca` signed nothing of it.
pub struct Tls {
    /// The cluster's URL naming the host as `localhost`, the name on its certificate.
    pub url: String,
    pub ca: PathBuf,
    pub other_ca: PathBuf,
}

fn newest_bin_dir() -> Result<PathBuf, String> {
    let mut versions: Vec<u32> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|e| format!("PostgreSQL is not installed (/usr/lib/postgresql: {e})"))?
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    versions.sort();
    let newest = versions
        .last()
        .ok_or("no PostgreSQL version under /usr/lib/postgresql")?;
    Ok(PathBuf::from(format!("/usr/lib/postgresql/{newest}/bin")))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Cluster {
    pub fn start() -> Result<Cluster, String> {
        Self::start_with(false)
    }

    /// A cluster that speaks TLS (`ssl=on`) with a certificate from a throwaway CA.
    pub fn start_tls() -> Result<Cluster, String> {
        Self::start_with(true)
    }

    fn start_with(tls: bool) -> Result<Cluster, String> {
        let bin = newest_bin_dir()?;
        let dir = std::env::temp_dir().join(format!(
            "keydesk-pg{}-{}",
            if tls { "-tls" } else { "" },
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let as_postgres = crate::system::is_root();
        if as_postgres {
            let ok = Command::new("chown")
                .arg("postgres")
                .arg(&dir)
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            if !ok {
                return Err(format!("chown postgres {} failed", dir.display()));
            }
        }
        let port = free_port();
        let mut cluster = Cluster {
            url: format!("postgres://keydesk@127.0.0.1:{port}/postgres"),
            dir,
            bin,
            as_postgres,
            tls: None,
        };
        let data = cluster.dir.join("data");
        cluster.run(
            "initdb",
            &[
                "-D",
                path(&data),
                "-A",
                "trust",
                "-U",
                "keydesk",
                "--no-sync",
            ],
        )?;
        // Trust for the test's superuser, but SCRAM for the logins Keydesk's Team page makes
        // that a test puts in keydesk_scram_checked: their generated passwords are checked by
        // the server, as on a team's (core/tests/technicians.rs, the e2e Team test).
        let hba = data.join("pg_hba.conf");
        let rules = std::fs::read_to_string(&hba).map_err(|e| format!("{}: {e}", hba.display()))?;
        std::fs::write(
            &hba,
            format!("host all +keydesk_scram_checked 127.0.0.1/32 scram-sha-256\n{rules}"),
        )
        .map_err(|e| format!("{}: {e}", hba.display()))?;
        let mut options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            cluster.dir.display()
        );
        if tls {
            cluster.tls = Some(cluster.make_certificates(&data, port)?);
            options.push_str(" -c ssl=on");
        }
        let log = cluster.dir.join("log");
        cluster.run(
            "pg_ctl",
            &[
                "-D",
                path(&data),
                "-l",
                path(&log),
                "-w",
                "-o",
                &options,
                "start",
            ],
        )?;
        Ok(cluster)
    }

    /// A CA, a server certificate it signs (into the data folder, owned by the server's user,
    /// 0600 as PostgreSQL demands), and a second CA that signed nothing.
    fn make_certificates(&self, data: &std::path::Path, port: u16) -> Result<Tls, String> {
        let certs = self.dir.join("certs");
        std::fs::create_dir_all(&certs).map_err(|e| e.to_string())?;
        let openssl = |args: &[&str]| -> Result<(), String> {
            let output = Command::new("openssl")
                .args(args)
                .current_dir(&certs)
                .output()
                .map_err(|e| format!("openssl: {e}"))?;
            if output.status.success() {
                Ok(())
            } else {
                Err(format!(
                    "openssl {args:?} failed: {}",
                    String::from_utf8_lossy(&output.stderr)
                ))
            }
        };
        let ca = [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ];
        openssl(
            &[
                &ca[..],
                &[
                    "-subj",
                    "/CN=keydesk-test-ca",
                    "-keyout",
                    "ca.key",
                    "-out",
                    "ca.crt",
                ],
            ]
            .concat(),
        )?;
        openssl(
            &[
                &ca[..],
                &[
                    "-subj",
                    "/CN=keydesk-other-ca",
                    "-keyout",
                    "other.key",
                    "-out",
                    "other-ca.crt",
                ],
            ]
            .concat(),
        )?;
        openssl(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
        ])?;
        std::fs::write(
            certs.join("san.ext"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\n",
        )
        .map_err(|e| e.to_string())?;
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "1",
            "-extfile",
            "san.ext",
            "-out",
            "server.crt",
        ])?;
        for file in ["server.crt", "server.key"] {
            let to = data.join(file);
            std::fs::copy(certs.join(file), &to).map_err(|e| e.to_string())?;
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| e.to_string())?;
            if self.as_postgres {
                let ok = Command::new("chown")
                    .arg("postgres")
                    .arg(&to)
                    .status()
                    .is_ok_and(|s| s.success());
                if !ok {
                    return Err(format!("chown postgres {} failed", to.display()));
                }
            }
        }
        Ok(Tls {
            url: format!("postgres://keydesk@localhost:{port}/postgres"),
            ca: certs.join("ca.crt"),
            other_ca: certs.join("other-ca.crt"),
        })
    }

    fn run(&self, tool: &str, args: &[&str]) -> Result<(), String> {
        let program = self.bin.join(tool);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        let output = command
            .args(args)
            .output()
            .map_err(|e| format!("{tool}: {e}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{tool} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    }
}

fn path(p: &std::path::Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = self.run("pg_ctl", &["-D", path(&data), "-w", "-m", "fast", "stop"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
