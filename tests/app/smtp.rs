//! A real SMTP server on loopback for tests: speaks enough of RFC 5321
//! (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) for lettre to deliver to
//! it, and keeps what it received.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    /// The message as sent (headers and body), dot-unstuffed.
    pub data: String,
}

pub struct SmtpServer {
    pub port: u16,
    messages: Arc<Mutex<Vec<Received>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl SmtpServer {
    pub fn start() -> Self {
        Self::start_on(0)
    }

    pub fn start_on(port: u16) -> Self {
        Self::start_with(port, Duration::ZERO)
    }

    /// A slow relay: it takes `delay` to accept each message after its DATA.
    pub fn start_slow(delay: Duration) -> Self {
        Self::start_with(0, delay)
    }

    fn start_with(port: u16, delay: Duration) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind the SMTP port");
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (messages, stop) = (messages.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let (messages, stop) = (messages.clone(), stop.clone());
                            std::thread::spawn(move || {
                                let _ = serve(stream, &messages, &stop, delay);
                            });
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(10)),
                    }
                }
            })
        };
        Self {
            port,
            messages,
            stop,
            thread: Some(thread),
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn messages(&self) -> Vec<Received> {
        self.messages.lock().unwrap().clone()
    }

    /// Waits until `count` messages arrived (or panics after 20 s).
    pub fn wait_for(&self, count: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let got = self.messages();
            if got.len() >= count {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "expected {count} emails, got {}",
                got.len()
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Stops listening and drops open connections: the server is down.
    pub fn stop(mut self) {
        self.shut();
    }

    fn shut(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.shut();
    }
}

fn serve(
    stream: TcpStream,
    messages: &Mutex<Vec<Received>>,
    stop: &AtomicBool,
    delay: Duration,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_millis(100)))?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    writer.write_all(b"220 localhost test SMTP\r\n")?;
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut line = String::new();
    let read_line =
        |reader: &mut BufReader<TcpStream>, line: &mut String| -> std::io::Result<bool> {
            line.clear();
            loop {
                if stop.load(Ordering::Relaxed) {
                    return Ok(false);
                }
                match reader.read_line(line) {
                    Ok(0) => return Ok(false),
                    Ok(_) => return Ok(true),
                    Err(e)
                        if matches!(
                            e.kind(),
                            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                        ) =>
                    {
                        continue;
                    }
                    Err(e) => return Err(e),
                }
            }
        };
    while read_line(&mut reader, &mut line)? {
        let command = line.trim_end().to_owned();
        let upper = command.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            writer.write_all(b"250-localhost\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")?;
        } else if upper.starts_with("HELO") || upper.starts_with("NOOP") {
            writer.write_all(b"250 OK\r\n")?;
        } else if upper.starts_with("MAIL FROM:") {
            from = command[10..]
                .trim()
                .trim_start_matches('<')
                .split('>')
                .next()
                .unwrap_or("")
                .to_owned();
            to.clear();
            writer.write_all(b"250 OK\r\n")?;
        } else if upper.starts_with("RCPT TO:") {
            to.push(
                command[8..]
                    .trim()
                    .trim_start_matches('<')
                    .split('>')
                    .next()
                    .unwrap_or("")
                    .to_owned(),
            );
            writer.write_all(b"250 OK\r\n")?;
        } else if upper == "DATA" {
            writer.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")?;
            let mut data = String::new();
            loop {
                if !read_line(&mut reader, &mut line)? {
                    return Ok(());
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                data.push_str(
                    line.strip_prefix('.')
                        .filter(|_| line.starts_with(".."))
                        .unwrap_or(&line),
                );
            }
            std::thread::sleep(delay);
            messages.lock().unwrap().push(Received {
                from: from.clone(),
                to: to.clone(),
                data,
            });
            writer.write_all(b"250 OK queued\r\n")?;
        } else if upper == "RSET" {
            from.clear();
            to.clear();
            writer.write_all(b"250 OK\r\n")?;
        } else if upper == "QUIT" {
            writer.write_all(b"221 Bye\r\n")?;
            return Ok(());
        } else {
            writer.write_all(b"502 Command not implemented\r\n")?;
        }
    }
    Ok(())
}

/// The decoded text/plain part of a message (quoted-printable undone).
pub fn text_part(data: &str) -> String {
    let start = data
        .find("Content-Type: text/plain")
        .expect("a text/plain part");
    let part = &data[start..];
    let body_start = part.find("\r\n\r\n").map(|i| i + 4).unwrap_or(0);
    let body = &part[body_start..];
    let end = body.find("\r\n--").unwrap_or(body.len());
    let raw = &body[..end];
    if part[..body_start].contains("quoted-printable") {
        decode_quoted_printable(raw)
    } else if part[..body_start].contains("base64") {
        panic!("base64 text parts are not decoded by this helper")
    } else {
        raw.to_owned()
    }
}

fn decode_quoted_printable(raw: &str) -> String {
    let mut out = Vec::new();
    let bytes = raw.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'=' if bytes.get(i + 1) == Some(&b'\r') && bytes.get(i + 2) == Some(&b'\n') => i += 3,
            b'=' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => out.push(b),
                    Err(_) => out.extend_from_slice(&bytes[i..i + 3]),
                }
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The first link under `path_prefix` in an email's text.
pub fn link_in(text: &str, path_prefix: &str) -> String {
    text.split_whitespace()
        .find(|w| w.contains(path_prefix))
        .unwrap_or_else(|| panic!("no {path_prefix} link in: {text}"))
        .trim_end_matches(['.', ')', '>'])
        .to_owned()
}

/// The decoded body of the first part whose Content-Type starts with `content_type`.
pub fn part(data: &str, content_type: &str) -> Option<String> {
    let start = data.find(&format!("Content-Type: {content_type}"))?;
    let part = &data[start..];
    let body_start = part.find("\r\n\r\n").map(|i| i + 4)?;
    let headers = &part[..body_start];
    let body = &part[body_start..];
    let raw = &body[..body.find("\r\n--").unwrap_or(body.len())];
    Some(if headers.contains("quoted-printable") {
        decode_quoted_printable(raw)
    } else if headers.contains("base64") {
        decode_base64(raw)
    } else {
        raw.to_owned()
    })
}

fn decode_base64(raw: &str) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in raw
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
    {
        let Some(v) = T.iter().position(|t| *t == c) else {
            continue;
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
