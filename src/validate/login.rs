//! The ログイン先URL check: is this where a genuine notice sends users?
//!
//! A forged notice's most valuable field is the login URL: users type
//! their temporary password wherever it points. The URL is parsed with the
//! `url` crate (WHATWG rules, the same a browser applies), so the host we
//! check is the host a browser would contact, not a substring of the text:
//! `https://auth.iij.jp@evil.example/` goes to `evil.example`.
//!
//! A host passes when it equals an allowed suffix or ends with `.` + one
//! (a label boundary, so `evilauth.iij.jp` fails). A failing host that
//! imitates an allowed suffix is reported as `login_host_lookalike`, which
//! is what a person skimming the notice would miss:
//!
//! - the suffix appears in it but not at its end
//!   (`www.auth.iij.jp.example-login.com`);
//! - its last labels are within the policy's edit distance of the suffix
//!   (`www.auth.iiij.jp`, `n1000001.my.auth.ij.jp`);
//! - it has non-ASCII characters in the text or punycode (`xn--`) labels:
//!   confusable letters (Cyrillic `а`, full-width `ａ`) that a browser maps
//!   to a different host;
//! - user info before the host that spells an allowed suffix.

use super::Code;
use super::{Findings, Policy};
use url::{Host, Url};

/// The only port a login URL may name explicitly.
const HTTPS_PORT: u16 = 443;

const FIELD: &str = "login_url";

/// Checks one login URL.
pub(crate) fn check_login_url(raw: &str, policy: &Policy, f: &mut Findings<'_>) {
    let field = || Some(FIELD.to_string());
    let url = match Url::parse(raw.trim()) {
        Ok(u) => u,
        Err(e) => {
            f.push(
                Code::LoginUrlInvalid,
                field(),
                format!("the login URL is not a valid absolute URL ({e})"),
            );
            return;
        }
    };
    if url.scheme() != "https" {
        f.push(
            Code::LoginUrlNotHttps,
            field(),
            format!("the login URL uses {}:, not https:", url.scheme()),
        );
    }
    let suffixes = &policy.allowed_login_host_suffixes;
    let max = policy.lookalike_max_distance;

    let has_userinfo = !url.username().is_empty() || url.password().is_some();
    let mut lookalike_reported = false;
    if has_userinfo {
        // The user info is not secret in a login URL, but it may be a
        // decoy credential: name only whether it imitates the host.
        let userinfo = url.username().to_ascii_lowercase();
        let host = url.host_str().unwrap_or("");
        if suffixes.iter().any(|s| userinfo.contains(s.as_str())) {
            lookalike_reported = true;
            f.push(
                Code::LoginHostLookalike,
                field(),
                format!(
                    "the login URL puts an allowed host name before '@', but a browser goes to {host}"
                ),
            );
        } else {
            f.push(
                Code::LoginHostNotAllowed,
                field(),
                format!("the login URL carries user info before '@'; its host is {host}"),
            );
        }
    }

    if let Some(port) = url.port()
        && port != HTTPS_PORT
    {
        f.push(
            Code::LoginHostNotAllowed,
            field(),
            format!("the login URL names port {port}; only {HTTPS_PORT} is allowed"),
        );
    }

    let host = match url.host() {
        Some(Host::Domain(d)) => d.trim_end_matches('.').to_string(),
        Some(Host::Ipv4(ip)) => {
            f.push(
                Code::LoginHostNotAllowed,
                field(),
                format!("the login URL's host is the IP address {ip}, not a host name"),
            );
            return;
        }
        Some(Host::Ipv6(ip)) => {
            f.push(
                Code::LoginHostNotAllowed,
                field(),
                format!("the login URL's host is the IP address [{ip}], not a host name"),
            );
            return;
        }
        None => {
            f.push(
                Code::LoginUrlInvalid,
                field(),
                "the login URL has no host".to_string(),
            );
            return;
        }
    };

    if lookalike_reported {
        return;
    }
    let raw_host_non_ascii = raw_authority(raw).is_some_and(|a| !a.is_ascii());
    let punycode = host.split('.').any(|l| l.starts_with("xn--"));
    if raw_host_non_ascii || punycode {
        f.push(
            Code::LoginHostLookalike,
            field(),
            format!(
                "the login URL's host {host} has non-ASCII or punycode (xn--) characters that can imitate an allowed host"
            ),
        );
        return;
    }

    if suffixes.iter().any(|s| host_is_under(&host, s)) {
        return;
    }
    if let Some(suffix) = suffixes.iter().find(|s| imitates(&host, s, max)) {
        f.push(
            Code::LoginHostLookalike,
            field(),
            format!("the login URL's host {host} imitates {suffix} but is not under it"),
        );
    } else {
        f.push(
            Code::LoginHostNotAllowed,
            field(),
            format!(
                "the login URL's host {host} is not under {}",
                suffixes.join(" or ")
            ),
        );
    }
}

/// `host` is `suffix` or ends with `.` + `suffix`.
pub(crate) fn host_is_under(host: &str, suffix: &str) -> bool {
    let host = host.to_ascii_lowercase();
    let suffix = suffix.to_ascii_lowercase();
    host == suffix
        || host
            .strip_suffix(&suffix)
            .is_some_and(|rest| rest.ends_with('.'))
}

/// `host` (not under `suffix`) looks like it is.
fn imitates(host: &str, suffix: &str, max: usize) -> bool {
    let host = host.to_ascii_lowercase();
    let suffix = suffix.to_ascii_lowercase();
    if host.contains(&suffix) {
        return true;
    }
    let labels: Vec<&str> = host.split('.').collect();
    let want = suffix.split('.').count();
    // Compare the host's last n labels for n around the suffix's label
    // count: a dropped or added dot is one edit too.
    (want.saturating_sub(1).max(1)..=want + 1).any(|n| {
        let start = labels.len().saturating_sub(n);
        let tail = labels.get(start..).unwrap_or_default().join(".");
        edit_distance(&tail, &suffix) <= max
    })
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = Vec::with_capacity(b.len() + 1);
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(usize::MAX) + usize::from(ca != *cb);
            let del = prev
                .get(j + 1)
                .copied()
                .unwrap_or(usize::MAX)
                .saturating_add(1);
            let ins = cur.get(j).copied().unwrap_or(usize::MAX).saturating_add(1);
            cur.push(sub.min(del).min(ins));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

/// The host and port of a URL as written (between `//` or the user info's
/// `@` and the next `/`, `?` or `#`), to see characters before IDNA maps
/// them.
fn raw_authority(raw: &str) -> Option<&str> {
    let after = raw.split_once("//")?.1;
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let authority = after.get(..end)?;
    Some(
        authority
            .rsplit_once('@')
            .map_or(authority, |(_, host)| host),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::test_support::{TODAY, clean_notice, codes};
    use crate::validate::validate;

    fn login_codes(url: &str) -> Vec<&'static str> {
        let mut n = clean_notice();
        n.login_url = Some(url.to_string());
        codes(&n)
    }

    #[test]
    fn genuine_hosts_pass() {
        for url in [
            "https://www.auth.iij.jp/console/",
            "https://auth.iij.jp/",
            "https://n1153159.my.auth.iij.jp/console/",
            "https://WWW.AUTH.IIJ.JP/console/",
            "https://www.auth.iij.jp:443/console/",
            "https://www.auth.iij.jp./console/",
        ] {
            assert!(login_codes(url).is_empty(), "{url}");
        }
    }

    #[test]
    fn look_alikes_are_caught() {
        for url in [
            "https://www.auth.iij.jp.example-login.com/console/",
            "https://www.auth.iiij.jp/console/",
            "https://n1000001.my.auth.ij.jp/console/",
            "https://www.auht.iij.jp/",
            "https://www.auth-iij.jp/",
            "https://www.xn--uth-8cd.iij.jp/",
            "https://www.аuth.iij.jp/",
            "https://auth.iij.jp@evil.example/",
        ] {
            assert_eq!(login_codes(url), vec!["login_host_lookalike"], "{url}");
        }
    }

    #[test]
    fn other_hosts_ports_and_schemes() {
        assert_eq!(
            login_codes("https://example.com/"),
            vec!["login_host_not_allowed"]
        );
        assert_eq!(
            login_codes("https://evilauth.iij.jp/"),
            vec!["login_host_lookalike"]
        );
        assert_eq!(
            login_codes("https://www.auth.iij.jp:8443/"),
            vec!["login_host_not_allowed"]
        );
        assert_eq!(
            login_codes("https://192.0.2.1/"),
            vec!["login_host_not_allowed"]
        );
        assert_eq!(
            login_codes("https://user@www.auth.iij.jp/"),
            vec!["login_host_not_allowed"]
        );
        assert_eq!(
            login_codes("http://www.auth.iij.jp/"),
            vec!["login_url_not_https"]
        );
        assert_eq!(
            login_codes("www.auth.iij.jp/console"),
            vec!["login_url_invalid"]
        );
    }

    #[test]
    fn lookalike_message_names_the_host() {
        let mut n = clean_notice();
        n.login_url = Some("https://www.auth.iiij.jp/console/".into());
        let found = validate(&n, &Policy::default(), TODAY);
        assert!(found.iter().any(|f| f.message.contains("www.auth.iiij.jp")));
        assert_eq!(
            found.first().and_then(|f| f.field.as_deref()),
            Some("login_url")
        );
    }

    #[test]
    fn policy_suffixes_are_used() {
        let mut n = clean_notice();
        n.login_url = Some("https://login.example.co.jp/".into());
        let policy = Policy {
            allowed_login_host_suffixes: vec!["example.co.jp".into()],
            ..Policy::default()
        };
        assert!(validate(&n, &policy, TODAY).is_empty());
    }

    #[test]
    fn distance() {
        assert_eq!(edit_distance("auth.iij.jp", "auth.iij.jp"), 0);
        assert_eq!(edit_distance("auth.iiij.jp", "auth.iij.jp"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert!(host_is_under("a.auth.iij.jp", "auth.iij.jp"));
        assert!(!host_is_under("aauth.iij.jp", "auth.iij.jp"));
    }
}
