//! An SMTP receiver on 127.0.0.1 for the e-mail alerts' tests (issue 28): it offers STARTTLS
//! with a throwaway certificate (`certificates::self_signed`), takes AUTH PLAIN only inside TLS,
//! and records each message with its envelope — a real server's conversation, RFC 5321's
//! commands, no mock of lettre.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};

use base64::Engine;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// One message as the receiver took it.
#[derive(Debug, Clone, Default)]
pub struct Mail {
    /// Whether STARTTLS had been done before MAIL FROM.
    pub over_tls: bool,
    /// AUTH PLAIN's user and password, if given.
    pub login: Option<(String, String)>,
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

pub struct SmtpReceiver {
    pub port: u16,
    got: Arc<Mutex<Vec<Mail>>>,
}

trait Stream: Read + Write + Send {}
impl<T: Read + Write + Send> Stream for T {}

impl SmtpReceiver {
    /// Listens with the certificate and key (PEM files); `reply_to_data` is the reply to the
    /// end of DATA ("250 queued", or a refusal such as "550 no such user").
    pub fn start(cert: &Path, key: &Path, reply_to_data: &str) -> SmtpReceiver {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let key = PrivateKeyDer::from_pem_file(key).unwrap();
        let config = Arc::new(
            rustls::ServerConfig::builder()
                .with_no_client_auth()
                .with_single_cert(certs, key)
                .unwrap(),
        );
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let got = Arc::new(Mutex::new(Vec::new()));
        let (seen, reply) = (got.clone(), reply_to_data.to_owned());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (seen, config, reply) = (seen.clone(), config.clone(), reply.clone());
                std::thread::spawn(move || {
                    let _ = converse(stream, &config, &seen, &reply);
                });
            }
        });
        SmtpReceiver { port, got }
    }

    pub fn received(&self) -> Vec<Mail> {
        self.got.lock().unwrap().clone()
    }
}

fn converse(
    tcp: TcpStream,
    config: &Arc<rustls::ServerConfig>,
    seen: &Mutex<Vec<Mail>>,
    reply_to_data: &str,
) -> std::io::Result<()> {
    let mut stream: Box<dyn Stream> = Box::new(tcp.try_clone()?);
    let mut tls = false;
    let mut mail = Mail::default();
    write!(stream, "220 keydesk-test ESMTP\r\n")?;
    let mut reader = BufReader::new(read_half(&tcp)?);
    loop {
        let line = if tls {
            read_line(&mut *stream)?
        } else {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            line
        };
        let line = line.trim_end().to_owned();
        let upper = line.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            if tls {
                write!(stream, "250-keydesk-test\r\n250 AUTH PLAIN\r\n")?;
            } else {
                write!(stream, "250-keydesk-test\r\n250 STARTTLS\r\n")?;
            }
        } else if upper == "STARTTLS" && !tls {
            write!(stream, "220 go ahead\r\n")?;
            stream.flush()?;
            let connection = rustls::ServerConnection::new(config.clone()).unwrap();
            stream = Box::new(rustls::StreamOwned::new(connection, tcp.try_clone()?));
            tls = true;
        } else if let Some(encoded) = upper.strip_prefix("AUTH PLAIN ").map(|_| &line[11..]) {
            if !tls {
                write!(stream, "538 encryption required\r\n")?;
                continue;
            }
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .unwrap_or_default();
            let parts: Vec<String> = decoded
                .split(|b| *b == 0)
                .map(|p| String::from_utf8_lossy(p).into_owned())
                .collect();
            if parts.len() == 3 {
                mail.login = Some((parts[1].clone(), parts[2].clone()));
            }
            write!(stream, "235 accepted\r\n")?;
        } else if upper.starts_with("MAIL FROM:") {
            mail.over_tls = tls;
            mail.from = line[10..].trim().to_owned();
            write!(stream, "250 ok\r\n")?;
        } else if upper.starts_with("RCPT TO:") {
            mail.to.push(line[8..].trim().to_owned());
            write!(stream, "250 ok\r\n")?;
        } else if upper == "DATA" {
            write!(stream, "354 go on\r\n")?;
            stream.flush()?;
            let mut data = String::new();
            loop {
                let line = read_line(&mut *stream)?;
                if line == ".\r\n" || line.is_empty() {
                    break;
                }
                data.push_str(&line);
            }
            mail.data = data;
            seen.lock().unwrap().push(std::mem::take(&mut mail));
            write!(stream, "{reply_to_data}\r\n")?;
        } else if upper == "QUIT" {
            write!(stream, "221 bye\r\n")?;
            stream.flush()?;
            return Ok(());
        } else {
            write!(stream, "250 ok\r\n")?;
        }
        stream.flush()?;
    }
}

fn read_half(tcp: &TcpStream) -> std::io::Result<TcpStream> {
    tcp.try_clone()
}

/// One line, byte by byte (no buffer may swallow what TLS needs after STARTTLS).
fn read_line(stream: &mut dyn Stream) -> std::io::Result<String> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while stream.read(&mut byte)? == 1 {
        line.push(byte[0]);
        if byte[0] == b'\n' {
            break;
        }
    }
    Ok(String::from_utf8_lossy(&line).into_owned())
}
