//! An HTTP/1.1 receiver on this machine for the alerts' tests (issue 28): it records each
//! request and answers with a scripted status — no outside network, no mock of the sender.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use serde_json::Value;

/// One request as the receiver read it.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// An HTTP/1.1 receiver on 127.0.0.1 answering each request with the next status of `script`
/// (the last one repeats; 0: no answer at all), recording what it got.
pub struct Receiver {
    pub url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    pub fn start(script: &[u16]) -> Receiver {
        Receiver::listen(script, None)
    }

    /// The same over HTTPS, with the certificate and key (PEM files, as
    /// `certificates::self_signed` makes them): `https://127.0.0.1:PORT/hook`. A client that
    /// does not trust the certificate's CA gets no further than the handshake, and nothing is
    /// recorded.
    pub fn start_tls(script: &[u16], cert: &std::path::Path, key: &std::path::Path) -> Receiver {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let _ = rustls::crypto::ring::default_provider().install_default();
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let config = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(certs, PrivateKeyDer::from_pem_file(key).unwrap())
            .unwrap();
        Receiver::listen(script, Some(Arc::new(config)))
    }

    fn listen(script: &[u16], tls: Option<Arc<rustls::ServerConfig>>) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let scheme = if tls.is_some() { "https" } else { "http" };
        let url = format!("{scheme}://{}/hook", listener.local_addr().unwrap());
        let got = Arc::new(Mutex::new(Vec::new()));
        let (seen, script) = (got.clone(), script.to_vec());
        let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                // Each connection on its own thread: one left hanging holds up no other.
                let (seen, script, count) = (seen.clone(), script.clone(), count.clone());
                let tls = tls.clone();
                std::thread::spawn(move || match tls {
                    None => answer(stream, &seen, &script, &count),
                    Some(config) => {
                        let connection = rustls::ServerConnection::new(config).unwrap();
                        let stream = rustls::StreamOwned::new(connection, stream);
                        answer(stream, &seen, &script, &count)
                    }
                });
            }
        });
        Receiver { url, got }
    }

    pub fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }
}

fn answer(
    stream: impl Read + Write,
    seen: &Mutex<Vec<Received>>,
    script: &[u16],
    count: &std::sync::atomic::AtomicUsize,
) {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    // A client that gave up (a refused handshake) sent no request: nothing to record.
    if reader.read_line(&mut line).is_err() || line.is_empty() {
        return;
    }
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        let Some((name, value)) = line.trim_end().split_once(": ") else {
            break;
        };
        headers.push((name.to_owned(), value.to_owned()));
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map_or(0, |(_, v)| v.parse().unwrap());
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    // Numbered and recorded together: the script's order is the order they arrived in.
    let status = {
        let mut seen = seen.lock().unwrap();
        seen.push(Received { headers, body });
        let n = count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        script[n.min(script.len() - 1)]
    };
    if status == 0 {
        // Never answers: the sender is cut short mid-send.
        std::thread::sleep(std::time::Duration::from_secs(30));
        return;
    }
    let stream = reader.get_mut();
    let _ = write!(
        stream,
        "HTTP/1.1 {status} Scripted\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
    );
    let _ = stream.flush();
}
