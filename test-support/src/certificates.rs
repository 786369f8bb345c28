//! Throwaway TLS certificates for the tests that speak TLS (HTTPS, SMTP STARTTLS).

/// The folder of certificates made beforehand, for Windows test builds.
pub const MADE_VARIABLE: &str = "KEYDESK_TEST_CERTIFICATES";

/// A throwaway CA and a certificate it signed for 127.0.0.1, made by `openssl` (as in
/// setup.md): the server's (certificate, key) PEM files; the CA is `ca.pem` beside them.
///
/// A Windows test build under Wine cannot start the Linux `openssl`: there the files are copied
/// from the folder `KEYDESK_TEST_CERTIFICATES` names, which `cargo xtask test` fills with this
/// same function, natively, before its Windows pass.
pub fn self_signed(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    if cfg!(windows) {
        let made = std::env::var_os(MADE_VARIABLE).unwrap_or_else(|| {
            panic!("{MADE_VARIABLE} is not set: `cargo xtask test` sets it for the Windows pass")
        });
        for name in ["cert.pem", "key.pem", "ca.pem"] {
            // A Unix path: Wine resolves it on the current drive, which is Z: (the host's /)
            // since cargo starts the tests in the package's folder.
            let from = std::path::Path::new(&made).join(name);
            std::fs::copy(&from, dir.join(name))
                .unwrap_or_else(|e| panic!("{}: {e}", from.display()));
        }
        return (dir.join("cert.pem"), dir.join("key.pem"));
    }
    let openssl = |args: &[&str]| {
        let made = std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stderr(std::process::Stdio::null())
            .status()
            .expect("openssl runs");
        assert!(made.success(), "openssl {args:?}");
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    openssl(
        &[
            &["req", "-x509"][..],
            &ec,
            &[
                "-days",
                "1",
                "-subj",
                "/CN=test-ca",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
            ],
        ]
        .concat(),
    );
    openssl(
        &[
            &["req"][..],
            &ec,
            &[
                "-subj",
                "/CN=localhost",
                "-keyout",
                "key.pem",
                "-out",
                "server.csr",
            ],
        ]
        .concat(),
    );
    std::fs::write(dir.join("san.ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        "san.ext",
        "-out",
        "cert.pem",
    ]);
    (dir.join("cert.pem"), dir.join("key.pem"))
}
