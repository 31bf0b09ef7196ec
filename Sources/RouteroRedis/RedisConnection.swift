internal import CHiredis
import Glibc

/// One hiredis context, used by one thread at a time (hiredis contexts are not thread-safe).
final class RedisConnection: @unchecked Sendable {  // the pool hands it to one thread at a time
    private let context: UnsafeMutablePointer<redisContext>

    /// Connects, applies the command timeout, authenticates and selects the database.
    ///
    /// Reconnecting is done by building a new connection rather than `redisReconnect`, which in
    /// hiredis 0.14 silently drops the command timeout (STACK.md §5).
    init(_ endpoint: RedisEndpoint) throws(RedisError) {
        guard let ctx = redisConnectWithTimeout(endpoint.host, Int32(endpoint.port),
                                                routero_timeval_ms(endpoint.connectTimeoutMs)) else {
            throw RedisError(kind: .unavailable, message: "cannot allocate a Redis context")
        }
        if ctx.pointee.err != 0 {
            let message = Self.errorText(ctx)
            redisFree(ctx)
            throw RedisError(kind: .unavailable, message: "connect to \(endpoint): \(message)")
        }
        context = ctx
        redisSetTimeout(ctx, routero_timeval_ms(endpoint.commandTimeoutMs))
        redisEnableKeepAlive(ctx)
        if let password = endpoint.password, !password.isEmpty {
            var auth = [Array("AUTH".utf8)]
            if let user = endpoint.username, !user.isEmpty { auth.append(Array(user.utf8)) }
            auth.append(Array(password.utf8))
            try expectOK(run(auth), what: "AUTH")
        }
        if endpoint.db != 0 {
            try expectOK(run([Array("SELECT".utf8), Array(String(endpoint.db).utf8)]), what: "SELECT")
        }
    }

    deinit { redisFree(context) }

    /// Sends one command and returns its reply. A thrown error means the connection is unusable.
    func run(_ args: [[UInt8]]) throws(RedisError) -> RedisReply {
        try append(args)
        return try nextReply()
    }

    /// Sends every command before reading any reply: one round trip for the lot.
    func pipeline(_ commands: [[[UInt8]]]) throws(RedisError) -> [RedisReply] {
        for args in commands { try append(args) }
        var replies: [RedisReply] = []
        replies.reserveCapacity(commands.count)
        for _ in commands { replies.append(try nextReply()) }
        return replies
    }

    /// Queues one command in the output buffer (written by the next reply read).
    private func append(_ args: [[UInt8]]) throws(RedisError) {
        // Raw byte buffers with explicit lengths: keys and values may contain NUL bytes.
        var pointers: [UnsafePointer<CChar>?] = []
        var lengths: [Int] = []
        var storage: [UnsafeMutablePointer<CChar>] = []
        defer { storage.forEach { $0.deallocate() } }
        for arg in args {
            let p = UnsafeMutablePointer<CChar>.allocate(capacity: max(arg.count, 1))
            arg.withUnsafeBytes { raw in
                if let base = raw.baseAddress { UnsafeMutableRawPointer(p).copyMemory(from: base, byteCount: arg.count) }
            }
            storage.append(p)
            pointers.append(UnsafePointer(p))
            lengths.append(arg.count)
        }
        if redisAppendCommandArgv(context, Int32(args.count), &pointers, &lengths) != REDIS_OK {
            throw RedisError(kind: .connectionLost, message: Self.errorText(context))
        }
    }

    /// Flushes what is queued and reads one reply.
    private func nextReply() throws(RedisError) -> RedisReply {
        var raw: UnsafeMutableRawPointer?
        guard redisGetReply(context, &raw) == REDIS_OK, let raw else {
            throw RedisError(kind: .connectionLost, message: Self.errorText(context))
        }
        let reply = raw.assumingMemoryBound(to: redisReply.self)
        defer { freeReplyObject(raw) }
        return Self.copy(reply)
    }

    private func expectOK(_ reply: RedisReply, what: String) throws(RedisError) {
        if case .error(let message) = reply {
            throw RedisError(kind: .unavailable, message: "\(what) failed: \(message)")
        }
    }

    private static func copy(_ r: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let reply = r.pointee
        switch reply.type {
        case REDIS_REPLY_STRING:
            return .string(bytes(reply.str, reply.len))
        case REDIS_REPLY_STATUS:
            return .status(String(decoding: bytes(reply.str, reply.len), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            return .error(String(decoding: bytes(reply.str, reply.len), as: UTF8.self))
        case REDIS_REPLY_INTEGER:
            return .integer(Int(reply.integer))
        case REDIS_REPLY_ARRAY:
            var items: [RedisReply] = []
            for i in 0..<reply.elements {
                if let element = reply.element[i] { items.append(copy(element)) }
            }
            return .array(items)
        default:
            return .null
        }
    }

    private static func bytes(_ p: UnsafeMutablePointer<CChar>?, _ n: Int) -> [UInt8] {
        guard let p, n > 0 else { return [] }
        return [UInt8](UnsafeRawBufferPointer(start: p, count: n))
    }

    private static func errorText(_ ctx: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: ctx.pointee.errstr) { raw in
            let bytes = raw.prefix(while: { $0 != 0 })
            let text = String(decoding: bytes, as: UTF8.self)
            return text.isEmpty ? "error \(ctx.pointee.err)" : text
        }
    }
}
