internal import CCurl
import RouteroSystem

/// curl's socket and timer callbacks for `curl_multi_socket_action` mode (the C callbacks of
/// the multi handle; the easy handles' callbacks live in `CurlEasySetup`).
///
/// curl calls these from inside `curl_multi_socket_action` and `curl_multi_add_handle` on the
/// loop thread, so they only record what curl asked for: the epoll interest of one socket, or
/// the deadline of curl's next timeout. They never call back into curl.
enum CurlSocketEvents {
    static func install(on shard: CurlShard) {
        // The loop keeps its shards as long as the process lives.
        let context = Unmanaged.passUnretained(shard).toOpaque()
        _ = routero_curl_multi_setopt_socketfn(shard.multi, curlSocketCallback)
        _ = routero_curl_multi_setopt_ptr(shard.multi, CURLMOPT_SOCKETDATA, context)
        _ = routero_curl_multi_setopt_timerfn(shard.multi, curlTimerCallback)
        _ = routero_curl_multi_setopt_ptr(shard.multi, CURLMOPT_TIMERDATA, context)
    }

    /// What curl wants to know about a socket, as epoll interest (nil: stop watching it).
    static func interest(_ what: Int32) -> Epoll.Events? {
        switch what {
        case CURL_POLL_IN: [.readable, .readHangUp]
        case CURL_POLL_OUT: [.writable]
        case CURL_POLL_INOUT: [.readable, .readHangUp, .writable]
        default: nil  // CURL_POLL_REMOVE (and CURL_POLL_NONE)
        }
    }
}

private let curlSocketCallback: curl_socket_callback = { _, socket, what, context, _ in
    guard let context else { return 0 }
    let shard = Unmanaged<CurlShard>.fromOpaque(context).takeUnretainedValue()
    if let events = CurlSocketEvents.interest(what) {
        // `set` covers a descriptor curl closed and reopened without telling us: the kernel
        // dropped the old registration, so MOD fails with ENOENT and ADD takes over.
        shard.epoll.set(socket, events, token: shard.token(for: socket))
    } else {
        shard.epoll.remove(socket)
    }
    return 0
}

private let curlTimerCallback: curl_multi_timer_callback = { _, timeoutMilliseconds, context in
    guard let context else { return 0 }
    let shard = Unmanaged<CurlShard>.fromOpaque(context).takeUnretainedValue()
    shard.timerDeadline = timeoutMilliseconds < 0 ? nil : Monotonic.now() + Double(timeoutMilliseconds) / 1000
    return 0
}
