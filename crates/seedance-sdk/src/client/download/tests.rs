//! Tests of the download checks that need no server.

use super::*;

fn url(text: &str) -> Url {
    Url::parse(text).unwrap()
}

#[test]
fn content_range_is_read_strictly() {
    assert_eq!(parse_content_range("bytes 10-99/100"), Some((10, 99, 100)));
    for bad in [
        "bytes 10-99/*",
        "bytes */100",
        "bytes 10-100/100",
        "bytes 20-10/100",
        "items 0-1/2",
        "bytes 1-2",
    ] {
        assert_eq!(parse_content_range(bad), None, "{bad}");
    }
}

#[test]
fn redirect_hops_follow_the_first_urls_rule() {
    let https = url("https://cdn.example/v.mp4?sig=secret");
    let http = url("http://127.0.0.1:9/v.mp4");
    assert!(check_hop(&https, &url("https://other.example/x")).is_ok());
    let refusal = check_hop(&https, &url("http://other.example:8080/x?sig=secret")).unwrap_err();
    assert!(refusal.contains("http://other.example:8080"), "{refusal}");
    assert!(!refusal.contains("secret"), "{refusal}");
    assert!(check_hop(&https, &url("ftp://other.example/x")).is_err());
    assert!(check_hop(&https, &url("file:///etc/passwd")).is_err());
    // A chain that may use http (loopback API) still needs http(s) with a host.
    assert!(check_hop(&http, &url("http://127.0.0.1:10/x")).is_ok());
    assert!(check_hop(&http, &url("file:///etc/passwd")).is_err());
}

#[test]
fn origins_never_show_path_query_or_credentials() {
    assert_eq!(
        origin_of(&url(
            "https://user:pw@cdn.example:8443/a/b.mp4?X-Sig=secret#f"
        )),
        "https://cdn.example:8443"
    );
    assert_eq!(origin_of(&url("http://[::1]/v.mp4")), "http://[::1]");
    assert!(is_loopback(&url("http://localhost:8080/api")));
    assert!(is_loopback(&url("http://127.0.0.2/api")));
    assert!(is_loopback(&url("http://[::1]:1/api")));
    assert!(!is_loopback(&url("https://api.example.com")));
    assert!(!is_loopback(&url("http://10.0.0.1/api")));
}

#[test]
fn a_video_starts_with_an_ftyp_box_of_any_brand() {
    let check = |head: &[u8], expected: bool| {
        let shown = String::from_utf8_lossy(head);
        assert_eq!(is_video_head(head), expected, "{shown:?}");
    };
    // MP4s, and QuickTime as Ark writes it for `output_format: "mov"`.
    check(b"\0\0\0\x18ftypisom", true);
    check(b"\0\0\0\x1cftypmp42", true);
    check(b"\0\0\0\x14ftypqt  ", true);
    // Error pages, JSON, a body cut short; and a QuickTime file from before `ftyp` existed,
    // which no provider sends.
    check(b"<!DOCTYPE", false);
    check(b"{\"error\":", false);
    check(b"\0\0\0\x14ft", false);
    check(b"\0\0\0\x08moov", false);
    check(b"", false);
}
