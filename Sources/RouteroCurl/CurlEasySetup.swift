internal import CCurl
import Glibc

/// Configures easy handles and holds the C callbacks (the only place with `Unmanaged` context).
enum CurlEasySetup {
    /// Applies every option `t` needs; returns the first option libcurl refused. A refused option
    /// must fail the attempt at once: carrying on would send a request without its URL, headers or
    /// body (with POSTFIELDSIZE set and no POSTFIELDS, curl would even read the body from stdin).
    /// - Parameters:
    ///   - shard: counts the sockets (its ``ConnectionCensus``); curl keeps the close callback's
    ///     context with the connection, which outlives the transfer, and the shard outlives both.
    ///   - freshConnect: open a new connection without looking for an idle one.
    static func configure(_ easy: OpaquePointer, for t: UpstreamTransfer, shard: CurlShard,
                          freshConnect: Bool) -> UpstreamFailure? {
        let r = t.request
        let context = Unmanaged.passUnretained(t).toOpaque()
        var failure: UpstreamFailure?
        func check(_ code: CURLcode, _ option: String) {
            if code != CURLE_OK, failure == nil {
                failure = UpstreamFailure(kind: .other, message: "libcurl refused \(option): "
                                          + String(cString: curl_easy_strerror(code)))
            }
        }
        check(routero_curl_setopt_str(easy, CURLOPT_URL, r.url), "CURLOPT_URL")
        check(routero_curl_setopt_long(easy, CURLOPT_NOSIGNAL, 1), "CURLOPT_NOSIGNAL")  // signals + threads don't mix
        check(routero_curl_setopt_long(easy, CURLOPT_HTTP_VERSION, r.httpVersion.curlValue), "CURLOPT_HTTP_VERSION")
        check(routero_curl_setopt_long(easy, CURLOPT_TCP_NODELAY, 1), "CURLOPT_TCP_NODELAY")
        check(routero_curl_setopt_long(easy, CURLOPT_TCP_KEEPALIVE, 1), "CURLOPT_TCP_KEEPALIVE")
        check(routero_curl_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, r.connectTimeoutMilliseconds),
              "CURLOPT_CONNECTTIMEOUT_MS")
        check(routero_curl_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 0), "CURLOPT_FOLLOWLOCATION")
        check(routero_curl_setopt_writefn(easy, curlWriteCallback), "CURLOPT_WRITEFUNCTION")
        check(routero_curl_setopt_ptr(easy, CURLOPT_WRITEDATA, context), "CURLOPT_WRITEDATA")
        check(routero_curl_setopt_headerfn(easy, curlHeaderCallback), "CURLOPT_HEADERFUNCTION")
        check(routero_curl_setopt_ptr(easy, CURLOPT_HEADERDATA, context), "CURLOPT_HEADERDATA")
        check(routero_curl_setopt_opensocketfn(easy, curlOpenSocketCallback), "CURLOPT_OPENSOCKETFUNCTION")
        check(routero_curl_setopt_ptr(easy, CURLOPT_OPENSOCKETDATA, context), "CURLOPT_OPENSOCKETDATA")
        check(routero_curl_setopt_closesocketfn(easy, curlCloseSocketCallback), "CURLOPT_CLOSESOCKETFUNCTION")
        check(routero_curl_setopt_ptr(easy, CURLOPT_CLOSESOCKETDATA, Unmanaged.passUnretained(shard).toOpaque()),
              "CURLOPT_CLOSESOCKETDATA")
        if freshConnect { check(routero_curl_setopt_long(easy, CURLOPT_FRESH_CONNECT, 1), "CURLOPT_FRESH_CONNECT") }

        var list: UnsafeMutablePointer<curl_slist>? = nil
        for (name, value) in r.headers {
            guard let grown = curl_slist_append(list, "\(name): \(value)") else {
                failure = failure ?? UpstreamFailure(kind: .other, message: "curl_slist_append failed (out of memory)")
                break
            }
            list = grown
        }
        // Large JSON bodies must not wait a second for a `100 Continue` the server never sends.
        if let grown = curl_slist_append(list, "Expect:") { list = grown }
        t.headerList = UnsafeMutableRawPointer(list)
        check(routero_curl_setopt_slist(easy, CURLOPT_HTTPHEADER, list), "CURLOPT_HTTPHEADER")

        switch r.method {
        case "GET":
            check(routero_curl_setopt_long(easy, CURLOPT_HTTPGET, 1), "CURLOPT_HTTPGET")
        default:
            if r.method != "POST" { check(routero_curl_setopt_str(easy, CURLOPT_CUSTOMREQUEST, r.method), "CURLOPT_CUSTOMREQUEST") }
            check(routero_curl_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(r.body.count)),
                  "CURLOPT_POSTFIELDSIZE_LARGE")
            // COPYPOSTFIELDS: curl owns a copy, so Swift buffer lifetimes don't matter.
            r.body.withUnsafeBytes { raw in
                check(routero_curl_setopt_ptr(easy, CURLOPT_COPYPOSTFIELDS,
                                              UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!)),
                      "CURLOPT_COPYPOSTFIELDS")
            }
        }
        return failure
    }

    /// Delivers the head once: at the blank line ending a final (non-1xx) header block, or at the
    /// first body bytes or the end of a transfer if that was missed.
    /// - Parameter finalOnly: skip interim 1xx heads (only the header callback can see those).
    static func deliverHeadIfNeeded(_ t: UpstreamTransfer, finalOnly: Bool = false) {
        guard !t.headDelivered, let easy = t.easy else { return }
        var code = 0
        _ = routero_curl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &code)
        if finalOnly && code < 200 { return }
        t.headDelivered = true
        t.push(.head(status: code, headers: t.headers))
    }

    static func failure(_ code: CURLcode) -> UpstreamFailure {
        let message = String(cString: curl_easy_strerror(code))
        let kind: UpstreamFailure.Kind
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: kind = .resolve
        case CURLE_COULDNT_CONNECT: kind = .connect
        case CURLE_OPERATION_TIMEDOUT: kind = .timeout
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM,
             CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE: kind = .tls
        case CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_PARTIAL_FILE,
             CURLE_HTTP2, CURLE_HTTP2_STREAM: kind = .brokenConnection
        default: kind = .other
        }
        return UpstreamFailure(kind: kind, message: message)
    }
}

private let curlWriteCallback: curl_write_callback = { data, size, count, context in
    guard let context, let data else { return 0 }
    let t = Unmanaged<UpstreamTransfer>.fromOpaque(context).takeUnretainedValue()
    let n = size * count
    if !t.headDelivered { CurlEasySetup.deliverHeadIfNeeded(t) }
    // Refusing the bytes pauses the transfer; curl hands the same bytes again on resume.
    return t.pushBody(UnsafeRawBufferPointer(start: data, count: n)) ? n : Int(CURL_WRITEFUNC_PAUSE)
}

private let curlHeaderCallback: curl_write_callback = { data, size, count, context in
    guard let context, let data else { return 0 }
    let t = Unmanaged<UpstreamTransfer>.fromOpaque(context).takeUnretainedValue()
    let n = size * count
    // Bytes, not String: a String per line plus lower-casing and trimming was a few percent of
    // a fast request's CPU.
    let line = UnsafeRawBufferPointer(start: data, count: n)
    if line.starts(with: "HTTP/".utf8) {
        t.headers = []  // a new status line (after 1xx) starts a new header block
    } else if n <= 2, line.allSatisfy({ $0 == 13 || $0 == 10 }) {
        CurlEasySetup.deliverHeadIfNeeded(t, finalOnly: true)
    } else if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
        let name = String(unsafeUninitializedCapacity: colon) { out in
            for i in 0..<colon {
                let b = line[i]
                out[i] = b >= 65 && b <= 90 ? b + 32 : b
            }
            return colon
        }
        var lo = colon + 1, hi = n
        while lo < hi, isHeaderSpace(line[lo]) { lo += 1 }
        while hi > lo, isHeaderSpace(line[hi - 1]) { hi -= 1 }
        t.headers.append((name, String(decoding: UnsafeRawBufferPointer(rebasing: line[lo..<hi]), as: UTF8.self)))
    }
    return n
}

/// Opens the socket curl asks for, as curl would, and tells the loop's census (on the loop thread,
/// inside curl's connect). The descriptor is close-on-exec, as every descriptor of the worker.
private let curlOpenSocketCallback: curl_opensocket_callback = { context, _, address in
    guard let context, let address else { return CURL_SOCKET_BAD }
    let t = Unmanaged<UpstreamTransfer>.fromOpaque(context).takeUnretainedValue()
    let a = address.pointee
    let fd = socket(a.family, a.socktype | Int32(SOCK_CLOEXEC.rawValue), a.protocol)
    if fd < 0 { return CURL_SOCKET_BAD }
    t.loopSocketOpened(fd)
    return fd
}

/// Closes a connection's socket. Its context is the connection's shard: the connection may be
/// closed long after the transfer that opened it (evicted or found dead in the cache).
private let curlCloseSocketCallback: curl_closesocket_callback = { context, fd in
    if let context {
        Unmanaged<CurlShard>.fromOpaque(context).takeUnretainedValue().census.socketClosed(fd)
    }
    return close(fd)
}

/// ASCII white space around a header value, line ending included.
private func isHeaderSpace(_ b: UInt8) -> Bool { b == 32 || b == 9 || b == 13 || b == 10 }
