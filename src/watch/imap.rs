//! The mailbox source of `audition watch`: the new e-mails of one IMAP folder.
//!
//! The folder is opened read-only (`EXAMINE`, `BODY.PEEK`: nothing is marked read, nothing is
//! moved) over TLS — implicit on `imaps://` (port 993, RFC 8314), STARTTLS on `imap://` (port
//! 143; refused if the server does not offer it, so a password never crosses in clear). Only
//! UIDs above the last one seen are fetched; a changed UIDVALIDITY (the folder was rebuilt)
//! starts over, and the manifests' Message-IDs keep what is done from being built twice.
//! Certificates are checked against the system's roots (`SSL_CERT_FILE` / `SSL_CERT_DIR`
//! name others, as for OpenSSL).

use std::sync::Arc;
use std::time::Duration;

use async_imap::{Client, Session};
use futures_util::TryStreamExt;
use rustls_platform_verifier::BuilderVerifierExt;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use super::Found;
use crate::error::{Error, Result};

/// The variable the mailbox's password is read from; it is never written anywhere.
pub const PASSWORD_VARIABLE: &str = "AUDITION_IMAP_PASSWORD";

/// How long connecting, and then each exchange with the server, may take.
const TIMEOUT: Duration = Duration::from_secs(60);

/// A mailbox as `imaps://user@host:993/INBOX` names it.
#[derive(Debug, Clone, PartialEq)]
pub struct Mailbox {
    pub host: String,
    pub port: u16,
    pub user: String,
    /// The folder; `INBOX` when the URL names none.
    pub folder: String,
    /// `imaps://` (TLS from the first byte) rather than `imap://` (STARTTLS).
    pub implicit_tls: bool,
}

impl Mailbox {
    /// Reads a mailbox URL; a password in it is refused (it belongs in the environment).
    pub fn parse(url: &str) -> std::result::Result<Mailbox, String> {
        let parsed = reqwest::Url::parse(url).map_err(|e| format!("{url:?} is not a URL: {e}"))?;
        let implicit_tls = match parsed.scheme() {
            "imaps" => true,
            "imap" => false,
            other => return Err(format!("{other}:// is not a mailbox: use imaps://")),
        };
        if parsed.password().is_some() {
            return Err(format!(
                "the mailbox URL holds a password: remove it and set {PASSWORD_VARIABLE}"
            ));
        }
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or("the mailbox URL names no server")?
            .trim_matches(|c| c == '[' || c == ']')
            .to_string();
        let user = decode(parsed.username());
        if user.is_empty() {
            return Err("the mailbox URL names no user: imaps://user@host/INBOX".into());
        }
        let folder = decode(parsed.path().trim_matches('/'));
        Ok(Mailbox {
            host,
            port: parsed
                .port()
                .unwrap_or(if implicit_tls { 993 } else { 143 }),
            user,
            folder: if folder.is_empty() {
                "INBOX".into()
            } else {
                folder
            },
            implicit_tls,
        })
    }

    /// How the mailbox is named in messages: its URL without a password.
    pub fn label(&self) -> String {
        let scheme = if self.implicit_tls { "imaps" } else { "imap" };
        format!(
            "{scheme}://{}@{}:{}/{}",
            self.user, self.host, self.port, self.folder
        )
    }
}

fn decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// Where the last look stopped: the folder's UIDVALIDITY and the highest UID seen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Seen {
    pub validity: u32,
    pub last_uid: u32,
}

/// What one look found: the new e-mails from the sender, newest first, and where it stopped.
pub struct Look {
    pub found: Vec<Found>,
    pub seen: Seen,
}

/// Looks at the mailbox for e-mails after `since`, keeping those `from` sent.
pub async fn look(
    mailbox: &Mailbox,
    password: &str,
    from: Option<&str>,
    since: Option<Seen>,
) -> Result<Look> {
    let fail = |message: String| Error::Mailbox(format!("{}: {message}", mailbox.label()));
    let mut session = tokio::time::timeout(TIMEOUT, open(mailbox, password))
        .await
        .map_err(|_| fail("the server did not answer in time".into()))?
        .map_err(fail)?;
    let looked = tokio::time::timeout(TIMEOUT * 5, read_new(&mut session, mailbox, from, since))
        .await
        .map_err(|_| fail("reading the folder took too long".into()))?
        .map_err(fail);
    // Closing is a courtesy: the look's result does not depend on it.
    let _ = tokio::time::timeout(Duration::from_secs(5), session.logout()).await;
    looked
}

type Stream = TlsStream<TcpStream>;

/// Connects, secures and logs in.
async fn open(mailbox: &Mailbox, password: &str) -> std::result::Result<Session<Stream>, String> {
    let tcp = TcpStream::connect((mailbox.host.as_str(), mailbox.port))
        .await
        .map_err(|e| format!("cannot connect: {e}"))?;
    let client = if mailbox.implicit_tls {
        let mut client = Client::new(secure(tcp, &mailbox.host).await?);
        greeting(&mut client).await?;
        client
    } else {
        let mut plain = Client::new(tcp);
        greeting(&mut plain).await?;
        // A server without STARTTLS answers BAD or NO: the login is never sent in clear.
        plain
            .run_command_and_check_ok("STARTTLS", None)
            .await
            .map_err(|e| {
                format!(
                    "the server refused STARTTLS ({}); use imaps://",
                    one_line(&e)
                )
            })?;
        // No greeting follows STARTTLS (RFC 3501 §6.2.1).
        Client::new(secure(plain.into_inner(), &mailbox.host).await?)
    };
    client
        .login(&mailbox.user, password)
        .await
        .map_err(|(e, _)| {
            format!(
                "the server refused the login of {:?} ({}); check {PASSWORD_VARIABLE}",
                mailbox.user,
                one_line(&e)
            )
        })
}

async fn greeting<T>(client: &mut Client<T>) -> std::result::Result<(), String>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    match client.read_response().await {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err("the server closed the connection before greeting".into()),
        Err(e) => Err(format!("cannot read the server's greeting: {e}")),
    }
}

/// TLS over `tcp`, the server's certificate checked for `host`.
async fn secure(tcp: TcpStream, host: &str) -> std::result::Result<Stream, String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_platform_verifier())
        .map_err(|e| format!("cannot set up TLS: {e}"))?
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from(host.to_string())
        .map_err(|e| format!("{host:?} cannot be checked against a certificate: {e}"))?;
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .map_err(|e| format!("TLS failed: {e}"))
}

/// The new e-mails of the folder, newest first.
async fn read_new(
    session: &mut Session<Stream>,
    mailbox: &Mailbox,
    from: Option<&str>,
    since: Option<Seen>,
) -> std::result::Result<Look, String> {
    let folder = session
        .examine(&mailbox.folder)
        .await
        .map_err(|e| format!("cannot open the folder: {}", one_line(&e)))?;
    let validity = folder.uid_validity.unwrap_or(0);
    let after = match since {
        Some(seen) if seen.validity == validity => seen.last_uid,
        _ => 0,
    };
    let mut seen = Seen {
        validity,
        last_uid: after,
    };
    if folder.exists == 0 {
        return Ok(Look {
            found: Vec::new(),
            seen,
        });
    }
    // `n:*` always names the last message, even below n (RFC 3501 §6.4.8): filtered below.
    let heads: Vec<_> = session
        .uid_fetch(
            format!("{}:*", after + 1),
            "(UID RFC822.SIZE BODY.PEEK[HEADER])",
        )
        .await
        .map_err(|e| format!("cannot list the e-mails: {}", one_line(&e)))?
        .try_collect()
        .await
        .map_err(|e| format!("cannot list the e-mails: {}", one_line(&e)))?;
    let mut wanted = Vec::new();
    for head in &heads {
        let Some(uid) = head.uid.filter(|&u| u > after) else {
            continue;
        };
        seen.last_uid = seen.last_uid.max(uid);
        let Some(header) = head.header() else {
            continue;
        };
        let Some(mail) = Heading::read(header, validity, uid) else {
            continue;
        };
        if from.is_none_or(|f| sender_matches(&mail.sender, f)) {
            wanted.push((uid, head.size.unwrap_or(0), mail));
        }
    }
    let mut found = Vec::new();
    for (uid, size, mail) in wanted.into_iter().rev() {
        let label = format!("{} « {} »", mailbox.label(), mail.subject);
        if size as usize > crate::ingest::MAX_ISSUE_BYTES {
            return Err(format!(
                "{label} is larger than an issue may be ({size} bytes)"
            ));
        }
        let bytes = fetch_whole(session, uid).await?;
        found.push(Found {
            source: mail.source,
            label,
            file_name: "message.eml".into(),
            bytes: bytes.into(),
            item: None,
        });
    }
    Ok(Look { found, seen })
}

/// One e-mail's raw bytes, left unread on the server.
async fn fetch_whole(
    session: &mut Session<Stream>,
    uid: u32,
) -> std::result::Result<Vec<u8>, String> {
    let fetched: Vec<_> = session
        .uid_fetch(uid.to_string(), "(UID BODY.PEEK[])")
        .await
        .map_err(|e| format!("cannot fetch e-mail {uid}: {}", one_line(&e)))?
        .try_collect()
        .await
        .map_err(|e| format!("cannot fetch e-mail {uid}: {}", one_line(&e)))?;
    fetched
        .iter()
        .find(|f| f.uid == Some(uid))
        .and_then(|f| f.body())
        .map(<[u8]>::to_vec)
        .ok_or_else(|| format!("the server sent no body for e-mail {uid}"))
}

/// What the headers of an e-mail tell the watcher.
struct Heading {
    /// `mail:<Message-ID>`, or `mail:<UIDVALIDITY>.<UID>` for an e-mail without one.
    source: String,
    sender: String,
    subject: String,
}

impl Heading {
    fn read(header: &[u8], validity: u32, uid: u32) -> Option<Heading> {
        let parsed = mail_parser::MessageParser::default().parse_headers(header)?;
        let sender = parsed
            .from()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .unwrap_or_default()
            .to_string();
        let source = match parsed.message_id() {
            Some(id) if !id.trim().is_empty() => format!("mail:{}", id.trim()),
            _ => format!("mail:{validity}.{uid}"),
        };
        Some(Heading {
            source,
            sender,
            subject: parsed.subject().unwrap_or("(no subject)").to_string(),
        })
    }
}

/// Whether `sender` is the one `[watch] from` names: the same address, or any address of a
/// domain (or its subdomains) given as `@example.com`, letter case aside.
pub fn sender_matches(sender: &str, from: &str) -> bool {
    let sender = sender.trim().to_lowercase();
    let from = from.trim().to_lowercase();
    match from.strip_prefix('@') {
        Some(domain) => {
            let sender_domain = sender.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
            sender_domain == domain || sender_domain.ends_with(&format!(".{domain}"))
        }
        None => sender == from,
    }
}

fn one_line(e: &async_imap::error::Error) -> String {
    e.to_string().replace(['\r', '\n'], " ").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_mailbox_urls() {
        let m = Mailbox::parse("imaps://news%40example.org@mail.example.org/Lettres%20FR").unwrap();
        assert_eq!(m.user, "news@example.org");
        assert_eq!(m.host, "mail.example.org");
        assert_eq!(m.port, 993);
        assert_eq!(m.folder, "Lettres FR");
        assert!(m.implicit_tls);
        let plain = Mailbox::parse("imap://news@127.0.0.1:1143").unwrap();
        assert_eq!((plain.port, plain.folder.as_str()), (1143, "INBOX"));
        assert!(!plain.implicit_tls);
    }

    #[test]
    fn refuses_passwords_and_other_schemes() {
        let e = Mailbox::parse("imaps://news:hunter2@mail.example.org/INBOX").unwrap_err();
        assert!(
            e.contains(PASSWORD_VARIABLE) && !e.contains("hunter2"),
            "{e}"
        );
        assert!(Mailbox::parse("pop3://news@mail.example.org").is_err());
        assert!(Mailbox::parse("imaps://mail.example.org/INBOX").is_err());
    }

    #[test]
    fn matches_senders() {
        assert!(sender_matches("Hello@Qant.fr", "hello@qant.fr"));
        assert!(sender_matches("news@lettre.qant.fr", "@qant.fr"));
        assert!(!sender_matches("hello@qant.fr.evil.example", "@qant.fr"));
        assert!(!sender_matches("other@qant.fr", "hello@qant.fr"));
    }
}
