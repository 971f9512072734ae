//! A real IMAP server for a test: Debian's Dovecot (`dovecot-imapd`, installed by
//! `scripts/install-deps`; a missing one fails the test), started on 127.0.0.1 with a
//! configuration of its own — one user in a passwd-file, a Maildir, a self-signed
//! certificate made by openssl — listening for implicit TLS (imaps) and for STARTTLS (imap).
//! Mail is delivered as a delivery agent does it: written under `tmp/`, renamed into `new/`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::s3::free_port;

/// A running Dovecot with one mailbox; stopped when dropped.
pub struct Dovecot {
    child: Child,
    pub user: String,
    pub password: String,
    /// The implicit-TLS port and the STARTTLS one.
    pub imaps_port: u16,
    pub imap_port: u16,
    /// The certificate authority that signed the server's certificate, for `SSL_CERT_FILE`.
    pub cert: PathBuf,
    maildir: PathBuf,
    delivered: std::cell::Cell<u32>,
    _dir: tempfile::TempDir,
}

impl Dovecot {
    pub fn start(user: &str, password: &str) -> Dovecot {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        // The mail processes run as another user than the test when it runs as root.
        chmod(&root, 0o755);
        let cert = make_certificates(&root);
        let home = root.join("home");
        let maildir = home.join(user).join("Maildir");
        for sub in ["tmp", "new", "cur"] {
            std::fs::create_dir_all(maildir.join(sub)).unwrap();
        }
        for folder in [&home, &home.join(user), &maildir] {
            chmod(folder, 0o777);
        }
        for sub in ["tmp", "new", "cur"] {
            chmod(&maildir.join(sub), 0o777);
        }
        std::fs::write(root.join("passwd"), format!("{user}:{{PLAIN}}{password}\n")).unwrap();
        let (imaps_port, imap_port) = (free_port(), free_port());
        let config = root.join("dovecot.conf");
        std::fs::write(&config, configuration(&root, imaps_port, imap_port)).unwrap();
        let child = Command::new(dovecot_binary())
            .arg("-F")
            .arg("-c")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dovecot runs");
        let server = Dovecot {
            child,
            user: user.into(),
            password: password.into(),
            imaps_port,
            imap_port,
            cert,
            maildir,
            delivered: 0.into(),
            _dir: dir,
        };
        server.wait_listening(&root.join("dovecot.log"));
        server
    }

    /// Delivers one e-mail into the inbox.
    pub fn deliver(&self, message: &[u8]) {
        let n = self.delivered.get() + 1;
        self.delivered.set(n);
        let name = format!(
            "{}.M{n}P{}.audition-test",
            1_796_000_000 + n,
            std::process::id()
        );
        let tmp = self.maildir.join("tmp").join(&name);
        std::fs::write(&tmp, message).unwrap();
        chmod(&tmp, 0o666);
        std::fs::rename(&tmp, self.maildir.join("new").join(&name)).unwrap();
    }

    /// The e-mails still unread (in `new/`, or in `cur/` without the Seen flag).
    pub fn unread(&self) -> usize {
        let new = std::fs::read_dir(self.maildir.join("new")).unwrap().count();
        let cur = std::fs::read_dir(self.maildir.join("cur"))
            .unwrap()
            .filter(|e| {
                let name = e.as_ref().unwrap().file_name();
                let name = name.to_string_lossy();
                !name
                    .rsplit_once(":2,")
                    .is_some_and(|(_, f)| f.contains('S'))
            })
            .count();
        new + cur
    }

    fn wait_listening(&self, log: &Path) {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20) {
            let up = [self.imaps_port, self.imap_port]
                .iter()
                .all(|p| std::net::TcpStream::connect(("127.0.0.1", *p)).is_ok());
            if up {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "dovecot did not start: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        // SIGTERM lets the master stop its children; SIGKILL would leave them behind.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

/// A test authority and the server's certificate it signs (for 127.0.0.1 and localhost; a
/// self-signed certificate would be an authority used as a server, which rustls refuses).
/// Returns the authority's certificate.
fn make_certificates(root: &Path) -> PathBuf {
    let openssl = |args: &[&str]| {
        let made = Command::new("openssl")
            .current_dir(root)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("openssl runs");
        assert!(made.success(), "openssl {args:?} failed");
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    openssl(
        &[
            &["req", "-x509"][..],
            &ec,
            &["-days", "2", "-subj", "/CN=Audition test CA"],
            &["-keyout", "ca.key", "-out", "ca.pem"],
        ]
        .concat(),
    );
    openssl(
        &[
            &["req"][..],
            &ec,
            &[
                "-subj",
                "/CN=127.0.0.1",
                "-keyout",
                "key.pem",
                "-out",
                "server.csr",
            ],
        ]
        .concat(),
    );
    std::fs::write(
        root.join("server.ext"),
        "basicConstraints=critical,CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
    )
    .unwrap();
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
        "2",
        "-extfile",
        "server.ext",
        "-out",
        "cert.pem",
    ]);
    root.join("ca.pem")
}

/// A configuration of the server's own, nothing read from /etc/dovecot.
fn configuration(root: &Path, imaps_port: u16, imap_port: u16) -> String {
    let root = root.display();
    let root_user = current_uid() == 0;
    // As root, the login and mail processes run as the package's own users; otherwise all
    // run as the test's user.
    let [login_user, internal_user, mail_user, mail_group] = if root_user {
        ["dovenull", "dovecot", "dovecot", "dovecot"].map(String::from)
    } else {
        let (me, group) = (id("-un"), id("-gn"));
        [me.clone(), me.clone(), me, group]
    };
    format!(
        "protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
instance_name = audition-test-{imaps_port}
default_login_user = {login_user}
default_internal_user = {internal_user}
first_valid_uid = 1
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
auth_mechanisms = plain
disable_plaintext_auth = yes
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    port = {imap_port}
  }}
  inet_listener imaps {{
    port = {imaps_port}
    ssl = yes
  }}
}}
"
    )
}

fn dovecot_binary() -> PathBuf {
    ["/usr/sbin/dovecot", "/usr/local/sbin/dovecot"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .expect("dovecot is installed (scripts/install-deps installs dovecot-imapd)")
}

fn current_uid() -> u32 {
    id("-u").parse().unwrap()
}

fn id(flag: &str) -> String {
    let out = Command::new("id").arg(flag).output().expect("id runs");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}
